"""Nothing typed is lost (SPEC §18): an expired CSRF token or session keeps the posted report, the
receipt can be seen again, and the receipt e-mail carries the receipt code."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import FIXED_NOW, csrf_token, end_session, login
from tests.factories import PASSWORD, make_org, make_user
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.models import Case

REPORT = {
    "occurred_at": "2026-11-23T08:00", "title": "Forkert dosis givet",
    "description": "Patienten fik 10 mg i stedet for 5 mg om morgenen.",
    "actual_consequence": "none", "possible_consequence": "minor", "patient_cpr": "010190-1234",
    "involved_orgs_org": "K-HJ", "involved_orgs_role": "discovered",
}


@pytest.fixture
def region(app):
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R", name="Testhospitalet")
        make_org("H-MED", "hospital", parent="H", name="Medicinsk afdeling")
        make_org("K", "kommune", name="Testkommune")
        make_org("K-HJ", "kommune", parent="K", name="Hjemmeplejen")
        make_user("nurse@h.dk", "reporter", "H-MED")
        make_user("rm@h.dk", "risk_manager", "H")


def cases():
    db.session.expire_all()
    return db.session.scalars(select(Case)).all()


def hidden(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_an_expired_token_on_the_public_form_gives_the_report_back_to_send_again(client, region, app):
    client.get("/public/report")
    response = client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": "expired"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden var udløbet" in html and "tryk Indsend igen" in html and "CSRF" not in html
    assert 'value="Forkert dosis givet"' in html and "Patienten fik 10 mg" in html and 'value="010190-1234"' in html
    assert re.search(r'value="none"[^>]*checked', html) and "data-kept" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    again = client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": token})
    assert again.status_code == 302
    with app.app_context():
        assert [c.title for c in cases()] == ["Forkert dosis givet"]


def test_an_expired_token_on_the_staff_form_keeps_the_report(client, region, app):
    login(client, "nurse@h.dk")
    response = client.post("/reports/new", data={**REPORT, "csrf_token": "expired"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden var udløbet" in html and 'value="Forkert dosis givet"' in html
    with app.app_context():
        assert cases() == []


@pytest.mark.parametrize("cookie_gone", [False, True], ids=["session ended", "cookie gone"])
def test_after_the_session_ended_signing_in_again_sends_the_report(client, region, app, cookie_gone):
    login(client, "nurse@h.dk")
    token = csrf_token(client, "/reports/new")
    end_session(client, cookie_gone=cookie_gone)
    response = client.post("/reports/new", data={**REPORT, "csrf_token": token})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Log ind igen for at sende din indberetning" in html
    carried = hidden(html)
    assert carried["title"] == "Forkert dosis givet" and carried["patient_cpr"] == "010190-1234" and carried["resume"] == "report"
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert action == "/login?next=/reports/new"

    wrong = client.post(action, data={**carried, "email": "nurse@h.dk", "password": "wrong"})
    assert wrong.status_code == 401
    assert hidden(wrong.get_data(as_text=True))["title"] == "Forkert dosis givet"  # a typo loses nothing either

    signed_in = client.post(action, data={**carried, "email": "nurse@h.dk", "password": PASSWORD})
    assert signed_in.status_code == 200
    page = signed_in.get_data(as_text=True)
    assert "Du er logget ind igen" in page and 'action="/reports/new"' in page
    onward = hidden(page)
    assert onward["title"] == "Forkert dosis givet" and not {"email", "password", "resume"} & set(onward)  # the password stays
    sent = client.post("/reports/new", data=onward)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/reports/receipt")
    with app.app_context():
        [case] = cases()
        assert case.title == "Forkert dosis givet" and case.patient_cpr == "010190-1234"
        assert [(o.org.code, o.role) for o in case.involved if o.role == "discovered"] == [("K-HJ", "discovered")]


def test_the_receipt_can_be_seen_again_until_the_reporter_is_done(client, region, app):
    token = csrf_token(client, "/public/report")
    response = client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": token})
    first = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'class="receipt-code">([A-Z0-9-]+)<', first).group(1)
    again = client.get("/reports/receipt")
    assert again.status_code == 200 and code in again.get_data(as_text=True)  # a reload shows it again
    done = client.post("/reports/receipt/done", data={"csrf_token": csrf_token(client, "/reports/receipt")})
    assert done.status_code == 303
    gone = client.get("/reports/receipt")
    assert gone.status_code == 302 and code not in gone.get_data(as_text=True)


def test_the_receipt_page_is_not_kept_for_long(client, region, app):
    token = csrf_token(client, "/public/report")
    client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": token})
    assert client.get("/reports/receipt").status_code == 200
    app.config["UTH_FIXED_NOW"] = FIXED_NOW + timedelta(minutes=31)
    assert client.get("/reports/receipt").status_code == 302


def test_the_receipt_mail_carries_the_code_and_nothing_of_the_case(client, region, app):
    token = csrf_token(client, "/public/report")
    response = client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": token,
                                                    "reporter_email": "datter@example.dk"})
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'class="receipt-code">([A-Z0-9-]+)<', receipt).group(1)
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "datter@example.dk")).all()
        [case] = cases()
        assert case.reference in mail.subject and code in mail.body and case.reference in mail.body
        assert "/public/status" in mail.body
        for secret in ("Forkert dosis", "10 mg", "010190"):
            assert secret not in mail.body


def test_no_receipt_mail_without_an_address(client, region, app):
    token = csrf_token(client, "/public/report")
    client.post("/public/report", data={**REPORT, "event_org": "Hjemmeplejen", "csrf_token": token})
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report_received")).all() == []
