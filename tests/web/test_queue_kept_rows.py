"""What the queue page keeps per process while the routing generation stands (the organisations and
users its rows name, the organisation filter's datalist, the bulk form's assignees) follows a change
made on another server at the next page."""
import re

from sqlalchemy import text

from tests.conftest import login
from tests.factories import make_case, make_org, make_user


def _bulk_assignees(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', html[html.index('name="assignee" aria-label'):].split("</select>")[0])


def _row(html: str, reference: str) -> str:
    return html[html.index(reference):].split("</tr>")[0]


def test_an_organisation_or_a_user_changed_elsewhere_shows_at_the_next_page(app, client, sibling_app):
    from uth.clock import utcnow
    from uth.extensions import db
    from uth.handling.actions import perform

    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R", name="Hospitalet")
        rm = make_user("rm@h.dk", "risk_manager", "H", name="Rikke Risiko")
        make_user("rm2@h.dk", "risk_manager", "H", name="Bo Behandler")
        case, _ = make_case(title="Fald på gangen", event_org="H")
        perform(rm, case, "assign", {"assignee": "rm2@h.dk"}, now=utcnow())
        db.session.commit()
        reference = case.reference
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert "Hospitalet" in _row(html, reference) and "Bo Behandler" in _row(html, reference)
    assert '<option value="H">Hospitalet</option>' in html
    assert _bulk_assignees(html) == ["rm2@h.dk", "rm@h.dk"]

    with sibling_app().app_context(), db.engine.begin() as conn:  # another server
        conn.execute(text("UPDATE organisations SET name = 'Nordsjællands Hospital' WHERE code = 'H'"))
        conn.execute(text("UPDATE users SET name = 'Bo Bøgh' WHERE email = 'rm2@h.dk'"))
    html = client.get("/cases").get_data(as_text=True)
    assert "Nordsjællands Hospital" in _row(html, reference) and "Bo Bøgh" in _row(html, reference)
    assert '<option value="H">Nordsjællands Hospital</option>' in html and "Hospitalet" not in html
    assert "Bo Behandler" not in html

    with app.app_context():
        make_user("rm3@h.dk", "risk_manager", "H", name="Ane Andersen")  # granted on another server
    with sibling_app().app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE grants SET active = false WHERE user_id = (SELECT id FROM users WHERE email = 'rm2@h.dk')"))
    assert _bulk_assignees(client.get("/cases").get_data(as_text=True)) == ["rm3@h.dk", "rm@h.dk"]
