"""The foundation journey through the real HTML pages."""
from tests.conftest import csrf_token, login, logout
from tests.factories import make_org, make_user


def test_staff_report_reaches_risk_manager_queue(app, client):
    with app.app_context():
        make_org("H", "hospital")
        make_org("H-MED", "hospital", parent="H")
        make_user("nurse@h.dk", "reporter", "H-MED")
        make_user("rm@h.dk", "risk_manager", "H")

    assert login(client, "nurse@h.dk").status_code == 302
    token = csrf_token(client, "/reports/new")
    response = client.post("/reports/new", data={
        "csrf_token": token, "occurred_at": "2026-11-22T14:30", "occurred_at_precision": "known",
        "title": "Forkert dosis givet", "description": "Patienten fik dobbelt dosis af metformin ved aftenbesøget.",
        "actual_consequence": "minor", "possible_consequence": "serious_or_fatal",
    })
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "UTH-2026-000001" in receipt

    logout(client)
    login(client, "rm@h.dk")
    queue = client.get("/cases").get_data(as_text=True)
    assert "UTH-2026-000001" in queue and "Forkert dosis givet" in queue
    page = client.get("/cases/UTH-2026-000001")
    assert page.status_code == 200
    assert "Alvorlig patientsikkerhedsrisiko" in page.get_data(as_text=True)


def test_every_page_names_an_icon_that_is_served(client):
    """The browser tab shows UTH's icon; /favicon.ico (asked for by browsers on their own) is no 404."""
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"].endswith("/static/favicon.svg")
