"""No personal data in URLs or the access log (issue #15 item 17): the receipt code is posted, and
gunicorn's access log (gunicorn.conf.py) keeps neither query strings nor the Referer."""
import re
import time

from tests.conftest import csrf_token
from tests.factories import make_case, make_org, make_token, make_user
from tests.servers import Browser, logged_uth_server


def test_the_receipt_code_is_posted_not_put_in_the_url(app, client):
    with app.app_context():
        make_org("K", "kommune")
        _, code = make_case(None, public=True, event_org="K")
    page = client.get("/public/status").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/public/status"', page)
    found = client.post("/public/status", data={"code": code, "csrf_token": csrf_token(client, "/public/status")})
    assert found.status_code == 200 and "UTH-2026-000001" in found.get_data(as_text=True)
    old_link = client.get(f"/public/status?code={code}")  # a link from before: the code leaves the address bar
    assert old_link.status_code == 303 and old_link.headers["Location"] == "/public/status"
    assert client.post("/public/status", data={"code": code}).status_code == 400  # CSRF like every form


def test_the_access_log_holds_no_query_string_and_no_referer(app, tmp_path):
    with app.app_context():
        make_org("K", "kommune")
        rm = make_user("rm@k.dk", "risk_manager", "K")
        token = make_token(rm)
        _, code = make_case(None, public=True, event_org="K")
    log = tmp_path / "access.log"
    with logged_uth_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "index", log) as base:
        browser = Browser(base)
        status, _ = browser.request("GET", "/api/v1/search?q=Quistgaard", headers={"Authorization": f"Bearer {token}"})
        assert status == 200
        browser.request("GET", "/login?next=/search%3Fq%3DXenia", headers={"Referer": f"{base}/search?q=Xenia+Quistgaard"})
        assert browser.post_form("/public/status", {"code": code}) == 200
        deadline = time.monotonic() + 10
        while "POST /public/status" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
    written = log.read_text()
    assert "GET /api/v1/search HTTP/1.1" in written and "POST /public/status" in written
    for secret in ("Quistgaard", "Xenia", code, "q="):
        assert secret not in written, secret
