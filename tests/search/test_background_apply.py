"""The default apply mode: index writes run in the process's background applier, not the request."""
import time

from tests.factories import make_org, make_token, make_user, report_data
from uth.extensions import db
from uth.search import indexing


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


def _wait(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds  # generous: the assertion is that it happens, not how fast
    while not condition() and time.monotonic() < deadline:
        db.session.commit()  # end the read transaction so the applier's work becomes visible
        time.sleep(0.1)


def test_background_applier_merges_after_an_anonymisation(app):
    """Closing through the real path in background mode: the removed name leaves the index files."""
    from pathlib import Path

    from tests.anon_cases import PATIENT_NAME, close, personal_case, region
    from tests.conftest import FIXED_NOW
    from uth.handling.actions import perform

    app.config["UTH_SEARCH_APPLY"] = "background"
    needle = PATIENT_NAME.split()[-1].lower().encode()
    index_dir = Path(app.config["UTH_INDEX_DIR"])

    def leaked() -> bool:
        while True:
            try:
                return index_dir.exists() and any(needle in p.read_bytes().lower() for p in index_dir.rglob("*") if p.is_file())
            except FileNotFoundError:  # the applier's merge deleted a file or folder as it was read: read again
                time.sleep(0.05)

    with app.app_context():
        users = region()
        case = personal_case(users["nurse"], description=f"{PATIENT_NAME} fik forkert dosis ved udskrivelsen fra afdelingen.")
        _wait(lambda: indexing.pending_count() == 0)
        assert leaked()  # the name reached the index before the handler redacted it
        perform(users["rm"], case, "edit", {"description": "[NAVN] fik forkert dosis ved udskrivelsen fra afdelingen."}, now=FIXED_NOW)
        db.session.commit()
        close(users["rm"], case)
        applier = indexing.background_applier(app)
        _wait(lambda: not (indexing.pending_count() or applier.purges or leaked()))
        assert indexing.pending_count() == 0 and not applier.purges
        assert not leaked()


def test_the_applier_stops_when_its_app_is_torn_down(app):
    app.config["UTH_SEARCH_APPLY"] = "background"
    applier = indexing.background_applier(app)
    applier.signal()
    assert applier.thread.is_alive()
    indexing.stop_background_applier(app)
    assert not applier.thread.is_alive()
    assert indexing.background_applier(app) is not applier  # a new one would start afresh
    indexing.stop_background_applier(app)


def test_reports_committed_while_the_applier_gathers_are_indexed_in_one_write(app, client, monkeypatch):
    """Under load one index write covers many reports: the applier waits for more commits first."""
    import threading

    app.config["UTH_SEARCH_APPLY"] = "background"
    with app.app_context():
        make_org("H", "hospital")
        token = make_token(make_user("rm@h.dk", "risk_manager", "H"))
        backend = indexing.get_backend()
    headers = {"Authorization": f"Bearer {token}"}
    gathering, more_committed, writes = threading.Event(), threading.Event(), []

    def gather(self):  # stands in for the wait of UTH_SEARCH_BATCH_SECONDS
        gathering.set()
        more_committed.wait(30)

    monkeypatch.setattr(indexing.BackgroundApplier, "_gather", gather)
    index = backend.index
    monkeypatch.setattr(backend, "index", lambda docs, **kw: (writes.append(len(docs)), index(docs, **kw)))
    titles = ["Blodprøve forvekslet", "Kateter glemt", "Medicinliste uafstemt"]
    for title in titles:
        assert client.post("/api/v1/reports", json=report_data(event_org="H", title=title), headers=headers).status_code == 201
        assert gathering.wait(30)
    more_committed.set()
    with app.app_context():
        _wait(lambda: indexing.pending_count() == 0)
        assert indexing.pending_count() == 0
    assert writes == [3]
    assert client.get("/api/v1/search?q=kateter", headers=headers).get_json()["total"] == 1


def test_the_applier_gathers_for_the_configured_time(app, monkeypatch):
    app.config["UTH_SEARCH_BATCH_SECONDS"] = 0.25
    applier = indexing.BackgroundApplier(app)
    waited = []
    monkeypatch.setattr(applier.halt, "wait", waited.append)
    applier._gather()
    assert waited == [0.25]


def test_a_report_committed_while_another_applier_writes_is_indexed_after_it(app, client):
    """Another process's applier holds the index: this process's applier does not queue behind it
    but comes back after its next gathering, with no further commit or search to ask it."""
    app.config["UTH_SEARCH_APPLY"] = "background"
    app.config["UTH_SEARCH_BATCH_SECONDS"] = 0.05
    with app.app_context():
        make_org("H", "hospital")
        token = make_token(make_user("rm@h.dk", "risk_manager", "H"))
        backend = indexing.get_backend()
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context(), indexing._apply_lock(backend, db.session()) as locked:
        assert locked
        response = client.post("/api/v1/reports", json=report_data(event_org="H", title="Kateter glemt"), headers=headers)
        assert response.status_code == 201
        time.sleep(0.5)  # its rounds find the index busy meanwhile
        assert indexing.pending_count() == 1
    with app.app_context():
        _wait(lambda: indexing.pending_count() == 0)
        assert indexing.pending_count() == 0
        assert indexing.get_backend().doc_count("case") == 1


def test_the_applier_queues_its_outbox_delete_behind_a_submission_holding_the_write_gate(app, client, monkeypatch):
    """On SQLite the applier's delete of the outbox rows it indexed takes the write gate, as the
    submissions do: it waits for the gate (woken at its release) rather than in SQLite's busy handler
    while a submission holds the gate, and what it indexed is deleted once the gate is free."""
    import fcntl
    import os
    import threading

    app.config["UTH_SEARCH_APPLY"] = "background"
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        make_org("H", "hospital")
        token = make_token(make_user("rm@h.dk", "risk_manager", "H"))
        backend = indexing.get_backend()
        gate_path = f"{db.engine.url.database}-writegate"
    indexing.stop_background_applier(app)
    app.config["UTH_SEARCH_APPLY"] = "inline"
    monkeypatch.setattr(indexing, "AFTER_COMMIT_WAIT", 0)
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context(), indexing._apply_lock(backend, db.session()):  # keeps the inline apply out
        assert client.post("/api/v1/reports", json=report_data(event_org="H", title="Kateter glemt"),
                           headers=headers).status_code == 201
    gate = os.open(gate_path, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(gate, fcntl.LOCK_EX)  # a submission holding the gate
    applied = []

    def apply():
        with app.app_context():
            applied.append(indexing.apply_pending(backend))

    thread = threading.Thread(target=apply)
    try:
        thread.start()
        thread.join(1.0)
        assert thread.is_alive() and applied == []  # indexed, and waiting for the gate to delete
        with app.app_context():
            assert indexing.pending_count() == 1
    finally:
        os.close(gate)
    thread.join(30)
    assert applied == [1]
    with app.app_context():
        assert indexing.pending_count() == 0 and indexing.get_backend().doc_count("case") == 1
