"""The signed-in user of a page: read with its grants once a request, a change made elsewhere counted
at the next page, and the session's 8 hours counted from the sign-in."""
from datetime import timedelta

from tests.conftest import FIXED_NOW, login
from tests.factories import make_case, make_org, make_user


def test_a_grant_moved_by_another_server_counts_at_the_next_page(app, client, sibling_app):
    from sqlalchemy import text

    from uth.extensions import db

    with app.app_context():
        make_org("H", "hospital")
        make_org("K", "kommune")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        hospital = make_case(title="Fald på hospitalet", event_org="H")[0].reference
        kommune = make_case(title="Fald i kommunen", event_org="K")[0].reference
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert hospital in html and kommune not in html
    with sibling_app().app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE grants SET org_id = (SELECT id FROM organisations WHERE code = 'K') "
                          "WHERE user_id = (SELECT id FROM users WHERE email = 'rm@h.dk')"))
    html = client.get("/cases").get_data(as_text=True)
    assert kommune in html and hospital not in html
    with sibling_app().app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE email = 'rm@h.dk'"))
    assert client.get("/cases").status_code == 302  # to the sign-in page


def test_the_session_lasts_eight_hours_from_the_sign_in_whatever_is_opened_since(app, client):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
    signed_in = login(client, "rm@h.dk")
    assert "Expires=" in signed_in.headers["Set-Cookie"]
    app.config["UTH_FIXED_NOW"] = FIXED_NOW + timedelta(hours=7, minutes=59)
    page = client.get("/cases")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers  # the sign-in's cookie stands
    app.config["UTH_FIXED_NOW"] = FIXED_NOW + timedelta(hours=8, minutes=1)
    assert client.get("/cases").status_code == 302
