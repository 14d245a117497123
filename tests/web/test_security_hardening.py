"""Security hardening of issue #15 seen from the outside: client addresses, CSV cells, redirects after
sign-in, sessions that end, sign-in timing and throttling, headers, cookies and request size."""
import csv
import io

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from uth import SettingsError, create_app
from uth.audit.models import AuditEntry
from uth.extensions import db
from tests.conftest import CSRF_RE, FIXED_NOW, csrf_token, login, logout
from tests.factories import make_org, make_user

FORM = {
    "occurred_at": "2026-11-22T14:30", "occurred_at_precision": "known", "event_org": "K",
    "title": "Medicinliste ikke afstemt", "description": "Hjemmeplejen gav den gamle dosis i to døgn efter udskrivelsen.",
    "actual_consequence": "minor", "possible_consequence": "minor",
}
API_REPORT = {
    "occurred_at": "2026-11-22T14:30:00+01:00", "event_org": "K", "title": "Forkert medicin",
    "description": "Min mor fik en andens medicin ved aftenbesøget i hjemmeplejen.",
    "actual_consequence": "minor", "possible_consequence": "minor",
}


@pytest.fixture
def people(app):
    with app.app_context():
        make_org("R", "region")
        make_org("K", "kommune", parent="R")
        make_user("rm@k.dk", "risk_manager", "K")
        make_user("central@r.dk", "central_risk_manager", "R")
        make_user("gone@k.dk", "reporter", "K").active = False
        db.session.commit()


def _audit_ips(app, action):
    with app.app_context():
        return [e.ip for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


# -- item 2: client addresses and CSV formulas ----------------------------------------------------

def test_a_forged_forwarded_for_header_is_not_the_audited_address(app, client, people):
    forged = '=HYPERLINK("http://evil.example","klik")'
    response = client.post("/api/v1/public/reports", json=API_REPORT, headers={"X-Forwarded-For": forged})
    assert response.status_code == 201
    assert _audit_ips(app, "case.created") == ["127.0.0.1"]


def test_behind_a_configured_proxy_the_address_it_saw_is_audited(app, people, sibling_app):
    proxied = sibling_app(UTH_PROXY_HOPS=1).test_client()
    response = proxied.post("/api/v1/public/reports", json=API_REPORT,
                            headers={"X-Forwarded-For": "6.6.6.6, 10.1.2.3"})  # the client wrote the first
    assert response.status_code == 201
    assert _audit_ips(app, "case.created") == ["10.1.2.3"]


def test_a_negative_proxy_hop_count_stops_the_start(sibling_app):
    with pytest.raises(SettingsError, match="UTH_PROXY_HOPS"):
        sibling_app(UTH_PROXY_HOPS=-1)


def test_audit_csv_cells_are_never_formulas(app, client, people):
    """An e-mail address may start with = + or - ("-2+3@…" is valid): its sign-in row names it."""
    odd = "-2+3+cmd@k.dk"
    with app.app_context():
        make_user(odd, "risk_manager", "K")
        make_user("admin@x.dk", "admin")
    assert login(app.test_client(), odd).status_code == 302
    assert login(client, "admin@x.dk").status_code == 302
    body = client.get("/audit.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    signed_in = [r for r in rows if r["action"] == "auth.login" and odd in r["actor"]]
    assert signed_in and signed_in[0]["actor"] == "'" + odd
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_statistics_csv_cells_are_never_formulas():
    from uth.csvsafe import csv_text

    text = csv_text([["key", "label", "count"], ["-1", "@SUM(A1)", 3], ["x", "\tTab", "+45"], ["ok", "Fald", -2]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["key", "label", "count"], ["'-1", "'@SUM(A1)", "3"], ["x", "'\tTab", "'+45"], ["ok", "Fald", "-2"]]


# -- item 3: where sign-in leads --------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/%09/evil.example/", "/%0a/x", "/%0d%0aSet-Cookie:x=1", "/\\evil.example"])
def test_a_next_with_control_characters_or_backslashes_is_refused(client, people, target):
    assert client.get(f"/login?next={target}").status_code == 400
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}",
                           data={"email": "rm@k.dk", "password": "correct-horse-battery", "csrf_token": token})
    assert response.status_code == 400
    assert client.get("/cases").status_code == 302  # and nobody was signed in


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "http:/evil.example"])
def test_a_next_naming_another_site_leads_home(client, people, target):
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "rm@k.dk", "password": "correct-horse-battery", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/cases"


def test_a_local_next_is_followed(client, people):
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/search%3Fq%3Dfald",
                           data={"email": "rm@k.dk", "password": "correct-horse-battery", "csrf_token": token})
    assert response.headers["Location"] == "/search?q=fald"


# -- item 6: sign-out ends the session ----------------------------------------------------------------

def test_a_copied_session_cookie_stops_working_at_sign_out(app, client, people):
    assert login(client, "rm@k.dk").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/cases").status_code == 200
    assert logout(client).status_code == 302
    assert client.get("/cases").status_code == 302
    assert thief.get("/cases").status_code == 302  # the copy is worthless too


def test_sign_out_is_a_post_with_csrf_not_a_link(client, people):
    login(client, "rm@k.dk")
    page = client.get("/logout")  # what a link or an <img> on another site can do
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/cases").status_code == 200  # still signed in
    assert 'action="/logout"' in client.get("/cases").get_data(as_text=True)  # the menu's button is a form
    logout(client)
    assert client.get("/cases").status_code == 302


def test_a_session_ends_on_the_server_after_its_lifetime(app, client, people):
    from datetime import timedelta

    login(client, "rm@k.dk")
    app.config["UTH_FIXED_NOW"] = FIXED_NOW + timedelta(hours=8, minutes=1)
    assert client.get("/cases").status_code == 302


# -- item 7: sign-in timing and throttling --------------------------------------------------------------

@pytest.fixture
def verified(monkeypatch):
    """The Argon2 hashes each sign-in verified against."""
    seen = []
    original = PasswordHasher.verify

    def spy(self, hash, password):
        seen.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return seen


def test_argon2_runs_alike_for_unknown_and_deactivated_e_mails(app, client, people, verified):
    login(client, "rm@k.dk", "wrong-password")
    login(client, "nobody@k.dk", "wrong-password")
    login(client, "gone@k.dk")  # deactivated: refused, yet verified like anyone
    assert len(verified) == 3
    known, unknown, gone = (extract_parameters(h) for h in verified)
    assert unknown == known == gone
    assert client.get("/cases").status_code == 302


def test_one_password_against_many_e_mails_is_throttled_per_address(app, client, people):
    codes = [login(client, f"user{i}@k.dk", "Sommer2026!").status_code for i in range(21)]
    assert codes == [401] * 20 + [429]
    assert login(client, "rm@k.dk").status_code == 429  # this address is held back for a while
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert login(elsewhere, "rm@k.dk").status_code == 302


# -- item 11: headers and cookies ------------------------------------------------------------------------

def test_pages_carry_security_headers(client, people):
    for path in ("/", "/login", "/public/report", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "private, no-store"
        assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored
    secure = client.get("/login", base_url="https://uth.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure.headers.getlist("X-Frame-Options") == ["DENY"]  # each header once
    with client.get("/static/uth.css") as static:
        assert static.headers["X-Content-Type-Options"] == "nosniff" and "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_follows_the_proxy_when_it_terminates_tls(app, people, sibling_app):
    proxied = sibling_app(UTH_PROXY_HOPS=1).test_client()
    assert "Strict-Transport-Security" in proxied.get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    direct = app.test_client()
    assert "Strict-Transport-Security" not in direct.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


def test_without_uth_env_the_app_runs_with_secure_cookies(app, people, monkeypatch, sibling_app):
    monkeypatch.delenv("UTH_ENV", raising=False)
    served = sibling_app(None, UTH_RATELIMIT_STORAGE="memory://")
    assert served.config["SESSION_COOKIE_SECURE"] is True and not served.testing
    browser = served.test_client()
    html = browser.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_RE.search(html).group(1) or CSRF_RE.search(html).group(2)
    response = browser.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                            data={"email": "rm@k.dk", "password": "correct-horse-battery", "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302 and "Secure" in cookie and "HttpOnly" in cookie


def test_an_unknown_uth_env_stops_the_start(monkeypatch):
    monkeypatch.setenv("UTH_ENV", "prod")
    with pytest.raises(SettingsError, match="UTH_ENV"):
        create_app()


# -- item 12: request size and one public limit ------------------------------------------------------------

def test_an_oversized_body_is_refused_with_413(client, people):
    big = {**API_REPORT, "description": "x" * (1024 * 1024 + 10)}
    api = client.post("/api/v1/public/reports", json=big)
    assert api.status_code == 413 and api.is_json and "error" in api.get_json()
    token = csrf_token(client, "/public/report")
    form = client.post("/public/report", data={**FORM, "description": "x" * (1024 * 1024 + 10), "csrf_token": token})
    assert form.status_code == 413 and "<html" in form.get_data(as_text=True)


def test_the_public_limit_is_one_count_over_the_form_and_the_api(app, people):
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "3 per hour"
    client = app.test_client()
    codes = []
    for i in range(3):
        if i % 2:
            codes.append(client.post("/api/v1/public/reports", json=API_REPORT).status_code)
        else:
            token = csrf_token(client, "/public/report")
            codes.append(client.post("/public/report", data={**FORM, "csrf_token": token}).status_code)
    assert codes == [302, 201, 302]
    assert client.post("/api/v1/public/reports", json=API_REPORT).status_code == 429
    token = csrf_token(client, "/public/report")
    assert client.post("/public/report", data={**FORM, "csrf_token": token}).status_code == 429


def test_an_app_wide_limit_set_in_the_settings_still_holds(people, sibling_app, monkeypatch):
    """UTH's limits are each a route's own, so the limiter's check of app-wide limits before every
    view is left out (uth.ratelimit); a default limit set with RATELIMIT_DEFAULT brings it back."""
    from uth.extensions import limiter

    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [])  # the limiter is one per process: restored after
    client = sibling_app(RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
