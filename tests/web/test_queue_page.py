"""The /cases queue page (SPEC §6): nearest deadline first, what it is for in Danish, overdue marked."""
from tests.conftest import login
from tests.factories import make_case, make_org, make_user


def test_queue_page_shows_next_deadline_in_danish_and_marks_overdue(app, client):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        late, _ = make_case(title="Sen kvittering", received_at="2026-11-16T10:00:00+01:00",
                            occurred_at="2026-11-16T09:00:00+01:00", event_org="H")
        fresh, _ = make_case(title="Ny i dag", event_org="H")
        late_ref, fresh_ref = late.reference, fresh.reference
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert html.index(late_ref) < html.index(fresh_ref)
    assert "(kvittering)" in html and "acknowledge_by" not in html
    row = html[html.index(late_ref):html.index(fresh_ref)]
    assert "19-11-2026" in row and "Overskredet" in row
    assert "Overskredet" not in html[html.index(fresh_ref):]
    overdue_only = client.get("/cases?overdue=true").get_data(as_text=True)
    assert late_ref in overdue_only and fresh_ref not in overdue_only
