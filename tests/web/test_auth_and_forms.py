"""Sign-in, throttling, CSRF, the report forms and the admin routing page (SPEC §14)."""
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login, logout
from tests.factories import make_org, make_user

FORM = {
    "occurred_at": "2026-11-22T14:30", "occurred_at_precision": "known",
    "title": "Medicinliste ikke afstemt", "description": "Hjemmeplejen gav den gamle dosis i to døgn efter udskrivelsen.",
    "actual_consequence": "minor", "possible_consequence": "minor",
}


@pytest.fixture
def people(app):
    with app.app_context():
        make_org("H", "hospital")
        make_org("K", "kommune")
        make_org("K-HJ", "kommune", parent="K")
        make_user("carer@k.dk", "reporter", "K-HJ")
        make_user("rm@k.dk", "risk_manager", "K")
        make_user("admin@x.dk", "admin")


def test_login_success_and_failure(client, people):
    assert client.get("/login").status_code == 200
    bad = login(client, "carer@k.dk", "wrong-password")
    assert bad.status_code == 401 and "Forkert e-mail eller adgangskode" in bad.get_data(as_text=True)
    assert login(client, "nobody@k.dk").status_code == 401
    ok = login(client, "carer@k.dk")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/reports/new")
    cookie = ok.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_are_throttled(client, people):
    codes = [login(client, "carer@k.dk", "wrong-password").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert login(client, "carer@k.dk").status_code == 429  # still locked for this e-mail and address
    assert login(client, "rm@k.dk").status_code == 302  # another user at the same address is not


def test_post_without_csrf_token_is_refused(client, people):
    response = client.post("/login", data={"email": "carer@k.dk", "password": "correct-horse-battery"})
    assert response.status_code == 400
    login(client, "carer@k.dk")
    assert client.post("/reports/new", data=FORM).status_code == 400
    assert client.post("/public/report", data={**FORM, "event_org": "K"}).status_code == 400


def test_pages_need_sign_in(client, people):
    for path in ("/reports/new", "/cases", "/reports/mine", "/admin/routing"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_report_form_defaults_and_danish_field_errors(client, people, app):
    login(client, "carer@k.dk")
    page = client.get("/reports/new").get_data(as_text=True)
    assert 'value="K-HJ — Org K-HJ"' in page
    for name in ("occurred_at", "event_org", "transition_type", "transition_from_org", "patient_cpr", "reporter_anonymous", "title", "description"):
        assert f'name="{name}"' in page, name
    token = csrf_token(client, "/reports/new")
    response = client.post("/reports/new", data={**FORM, "csrf_token": token, "description": "kort", "patient_cpr": "999999-1234"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skal være mindst 20 tegn" in html and "CPR-nummer skal have formen" in html
    assert "Medicinliste ikke afstemt" in html  # what was typed is kept
    with app.app_context():
        from uth.extensions import db
        from uth.reports.models import Case
        assert db.session.scalars(select(Case)).all() == []


def test_staff_form_with_transition_and_picker_values(client, people, app):
    login(client, "carer@k.dk")
    token = csrf_token(client, "/reports/new")
    response = client.post("/reports/new", data={
        **FORM, "csrf_token": token, "event_org": "K-HJ — Org K-HJ", "transition_type": "medicin.fmk",
        "transition_from_org": "H — Org H", "transition_to_org": "K-HJ — Org K-HJ", "patient_cpr": "010190-1234",
    })
    assert response.status_code == 302
    with app.app_context():
        from uth.extensions import db
        from uth.reports.models import Case
        case = db.session.scalars(select(Case)).one()
        assert case.transition_from_org.code == "H" and case.handling_org.code == "K" and case.cross_sector
        assert case.patient_cpr == "010190-1234" and case.reporter_user.email == "carer@k.dk"


def test_public_form_receipt_and_status_page(client, people):
    page = client.get("/public/report").get_data(as_text=True)
    assert 'name="reporting_org"' not in page
    token = csrf_token(client, "/public/report")
    response = client.post("/public/report", data={**FORM, "csrf_token": token, "event_org": "K-HJ — Org K-HJ", "reporter_email": "datter@example.dk"})
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'class="receipt-code">([A-Z0-9-]+)<', receipt).group(1)
    assert "UTH-2026-000001" in receipt
    token = csrf_token(client, "/public/status")
    status = client.post("/public/status", data={"code": code, "csrf_token": token})
    assert status.status_code == 200 and "Ny" in status.get_data(as_text=True)
    assert client.post("/public/status", data={"code": "NOPE-NOPE", "csrf_token": token}).status_code == 404


def test_english_is_available(client, people):
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # remembered in its cookie
    assert "Log ind" in client.get("/login?lang=da").get_data(as_text=True)
    assert "Log ind" in client.get("/login").get_data(as_text=True)


def test_english_stays_when_the_session_cookie_goes(client, people):
    """The choice has a cookie of its own: signing out, or a session cookie gone (an expired form, a
    browser that dropped it), does not turn the next page Danish."""
    login(client, "rm@k.dk")
    client.get("/login?lang=en")
    logout(client)
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    with client.session_transaction() as s:
        s.clear()
    client.delete_cookie("session")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    cookie = client.get_cookie("uth_lang")
    assert cookie.value == "en" and cookie.http_only and cookie.max_age >= 300 * 24 * 3600


def test_admin_routing_page(client, people, app):
    login(client, "rm@k.dk")
    assert client.get("/admin/routing").status_code == 404
    logout(client)
    login(client, "admin@x.dk")
    token = csrf_token(client, "/admin/routing")
    bad = client.post("/admin/routing", data={"csrf_token": token, "name": "Tom", "target_org": "K"})
    assert bad.status_code == 422 and "mindst én betingelse" in bad.get_data(as_text=True)
    for name, sector in (("Hospital", "hospital"), ("Kommune", "kommune")):
        assert client.post("/admin/routing", data={"csrf_token": token, "name": name, "sector": sector, "target_org": "K — Org K"}).status_code == 302
    with app.app_context():
        from uth.routing.admin import ordered_rules
        first, second = [r.id for r in ordered_rules()]
    client.post(f"/admin/routing/{second}/up", data={"csrf_token": token})
    client.post(f"/admin/routing/{first}/disable", data={"csrf_token": token})
    with app.app_context():
        rules = ordered_rules()
        assert [r.name for r in rules] == ["Kommune", "Hospital"] and rules[1].active is False
