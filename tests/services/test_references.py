"""Case references stay unique and gap-free when many workers report at the same moment (SPEC §3)."""
from sqlalchemy import select

from uth.extensions import db
from uth.reports.models import Case
from tests.factories import make_cases_concurrently, make_org


def test_concurrent_submissions_get_unique_sequential_references(app):
    with app.app_context():
        make_org("H", "hospital")
    assert make_cases_concurrently(app, event_org="H") == []
    with app.app_context():
        refs = sorted(db.session.scalars(select(Case.reference)))
    assert refs == [f"UTH-2026-{n:06d}" for n in range(1, 31)]


def _gate_is_free(app) -> bool:
    """Whether another writer could take the SQLite write gate now (a lock of its own on the file)."""
    import fcntl
    import os

    with app.app_context():
        path = f"{db.engine.url.database}-writegate"
    gate = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(gate)


def test_a_submission_holds_the_sqlite_write_gate_until_its_transaction_ends(app):
    """On SQLite the writers queue on a file lock beside the database (extensions.sqlite_write_gate):
    a submission takes it before its case number and gives it back at the commit or the rollback.
    PostgreSQL's writers lock rows, not the database: no gate is taken there."""
    from tests.conftest import FIXED_NOW
    from tests.factories import report_data
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report

    from uth.extensions import WRITE_GATE

    with app.app_context():
        make_org("H", "hospital")
        db.session.commit()
        if db.engine.dialect.name != "sqlite":
            submit_report(None, parse_report(report_data(event_org="H"), public=False, reporter=None, now=FIXED_NOW),
                          now=FIXED_NOW)
            assert WRITE_GATE not in db.session.info
            db.session.commit()
            return
        for end in (db.session.commit, db.session.rollback):
            data = parse_report(report_data(event_org="H"), public=False, reporter=None, now=FIXED_NOW)
            submit_report(None, data, now=FIXED_NOW)
            assert not _gate_is_free(app)
            end()
            assert _gate_is_free(app)
        assert len(db.session.scalars(select(Case.reference)).all()) == 1


def test_the_write_gate_is_given_back_at_the_commit_before_the_after_commit_work(app):
    """The other writers wait only for the writes and their fsync: the gate is free by the time the
    session's after-commit work (expiring objects, signalling the search applier …) runs."""
    from sqlalchemy import event

    from tests.conftest import FIXED_NOW
    from tests.factories import report_data
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        make_org("H", "hospital")
        db.session.commit()
        free_after_commit = []
        listener = lambda session: free_after_commit.append(_gate_is_free(app))  # noqa: E731
        event.listen(db.session, "after_commit", listener)
        try:
            submit_report(None, parse_report(report_data(event_org="H"), public=False, reporter=None, now=FIXED_NOW),
                          now=FIXED_NOW)
            db.session.commit()
        finally:
            event.remove(db.session, "after_commit", listener)
        assert free_after_commit == [True]


def test_a_submission_answers_from_memory_after_its_commit(app):
    """`commit_keeping_state`: the new case keeps every value it was written with (the answer needs
    no query after the commit), and the session expires objects at later commits as before."""
    from sqlalchemy import event, inspect

    from tests.conftest import FIXED_NOW
    from tests.factories import report_data
    from uth.extensions import commit_keeping_state
    from uth.reports.presenters import case_json
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report

    with app.app_context():
        make_org("H", "hospital")
        db.session.commit()
        case, _ = submit_report(None, parse_report(report_data(event_org="H"), public=False, reporter=None, now=FIXED_NOW),
                                now=FIXED_NOW)
        commit_keeping_state()
        assert not inspect(case).expired_attributes
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = case_json(case, None, FIXED_NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert body["reference"] == "UTH-2026-000001" and body["event_org"] == "H"
        assert [s for s in statements if "cases" in s.split("FROM", 1)[-1]] == []
        assert db.session().expire_on_commit is True
        db.session.commit()
        assert "reference" in inspect(case).expired_attributes
