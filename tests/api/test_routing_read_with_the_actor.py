"""The API's actor query also reads the routing generation (uth.routing.services.generation_read):
a submission asks the database for it once, and a change made elsewhere still routes the very next
report, whichever token sends it."""
from sqlalchemy import event, text

from tests.factories import report_data
from uth.extensions import db


def _statements(app):
    """Every statement SQLAlchemy runs from now on (the token's read is given to the driver
    directly, past these events; a separate read of the generation would pass them)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def test_a_submission_reads_the_routing_generation_only_with_its_token(app, client, region):
    headers = region.headers["nurse"]
    assert client.post("/api/v1/reports", json=report_data(), headers=headers).status_code == 201  # the caches filled
    seen = _statements(app)
    response = client.post("/api/v1/reports", json=report_data(), headers=headers)
    assert response.status_code == 201 and response.get_json()["handling_org"] == "H"
    assert [s for s in seen if "routing_generation" in s] == []


def test_a_rule_changed_by_hand_routes_the_next_report_sent_with_the_same_token(app, client, region):
    headers = region.headers["nurse"]
    assert client.post("/api/v1/reports", json=report_data(), headers=headers).get_json()["handling_org"] == "H"
    with app.app_context(), db.engine.begin() as conn:  # another server's admin, or SQL by hand
        k = conn.execute(text("SELECT id FROM organisations WHERE code = 'K'")).scalar_one()
        conn.execute(text("INSERT INTO routing_rules (name, priority, active, sector, target_org_id, created_at) "
                          "VALUES ('Hospital til kommunen', 1, :on, 'hospital', :k, '2026-11-24 10:00:00')"), {"on": True, "k": k})
    assert client.post("/api/v1/reports", json=report_data(), headers=headers).get_json()["handling_org"] == "K"
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE routing_rules SET active = :off"), {"off": False})
    assert client.post("/api/v1/reports", json=report_data(), headers=headers).get_json()["handling_org"] == "H"
