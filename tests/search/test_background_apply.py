"""The default apply mode: index writes run in the process's background applier, not the request."""
import time

from uth.extensions import db
from uth.search import indexing
from tests.factories import make_org, make_token, make_user, report_data


def test_background_applier_indexes_a_committed_case_without_a_search(app, client):
    app.config["UTH_SEARCH_APPLY"] = "background"
    with app.app_context():
        make_org("H", "hospital")
        token = make_token(make_user("rm@h.dk", "risk_manager", "H"))
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/reports", json=report_data(event_org="H", title="Blodprøve forvekslet i laboratoriet"), headers=headers)
    assert response.status_code == 201
    with app.app_context():
        deadline = time.monotonic() + 30  # generous: the assertion is that it happens, not how fast
        while indexing.pending_count() and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.05)
        assert indexing.pending_count() == 0
        assert indexing.background_applier(app).thread.is_alive()
        assert indexing.get_backend().doc_count("case") == 1
    found = client.get("/api/v1/search?q=forvekslet", headers=headers).get_json()
    assert found["total"] == 1
