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
