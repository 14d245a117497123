"""After close, the patient's name and CPR (and the reporter's phone) are gone from every file the
application wrote: database, WAL, shared memory, search index (SPEC §8). PostgreSQL: from the tables."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, REPORTER_PHONE, close, personal_case, region
from tests.conftest import FIXED_NOW
from tests.factories import make_case, report_data
from tests.smtp_server import smtp_server  # noqa: F401
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.models import Case
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from uth.storage import purges_pending

SECRETS = [PATIENT_NAME, "Quistgaard", PATIENT_CPR, PATIENT_CPR.replace("-", ""), REPORTER_PHONE]


def _written_files(app) -> list[Path]:
    database = Path(db.engine.url.database)
    files = [Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    index_dir = Path(app.config["UTH_INDEX_DIR"])
    files += [p for p in index_dir.rglob("*") if p.is_file()] if index_dir.exists() else []
    return [p for p in files if p.exists()]


def _needles() -> list[bytes]:
    forms = []
    for secret in SECRETS:
        forms += [secret.encode("utf-8"), secret.lower().encode("utf-8"), secret.encode("utf-16-le")]
    return forms


def _closed_case_whose_text_was_redacted(app):
    users = region()
    case = personal_case(users["nurse"], description=f"{PATIENT_NAME} ({PATIENT_CPR}) fik forkert dosis ved udskrivelsen.")
    handler = users["rm"]
    perform(handler, case, "edit", {"description": "[NAVN] ([CPR]) fik forkert dosis ved udskrivelsen."}, now=FIXED_NOW)
    db.session.commit()
    return close(handler, case)


def _assert_gone(app, secrets=SECRETS) -> None:
    """Not in any file (SQLite: database, WAL, SHM; the search index), or not in the tables (PostgreSQL)."""
    index_dir = Path(app.config["UTH_INDEX_DIR"])
    index_files = [p for p in index_dir.rglob("*") if p.is_file()] if index_dir.exists() else []
    needles = [form for secret in secrets
               for form in (secret.encode("utf-8"), secret.lower().encode("utf-8"), secret.encode("utf-16-le"))]
    if db.engine.dialect.name == "sqlite":
        files = _written_files(app)
        assert Path(db.engine.url.database) in files
    else:
        files = index_files
        dump = db.session.execute(text(
            "SELECT concat_ws('|', (SELECT string_agg(c::text, '|') FROM cases c),"
            " (SELECT string_agg(e::text, '|') FROM case_events e),"
            " (SELECT string_agg(a::text, '|') FROM audit_entries a),"
            " (SELECT string_agg(o::text, '|') FROM outbox o))")).scalar() or ""
        for secret in secrets:
            assert secret not in dump and secret.lower() not in dump.lower()
    for path in files:
        raw = path.read_bytes()
        for needle in needles:
            assert needle not in raw, f"{needle!r} found in {path}"


def test_personal_data_is_gone_from_storage_after_close(app):
    with app.app_context():
        case = _closed_case_whose_text_was_redacted(app)
        assert case.patient_cpr is None and case.anonymised_at is not None
        _assert_gone(app)
        assert _pending() == 0


# -- a purge that cannot finish at once (SPEC §8): recorded, retried, finished by the sweep ----------

def _pending() -> int:
    with Session(db.engine) as session:
        return purges_pending(session)


class _Reader:
    """Another connection in a read transaction (a backup, an export) while the app writes."""

    def __init__(self, app):
        self.sqlite = db.engine.dialect.name == "sqlite"
        if self.sqlite:
            self.conn = sqlite3.connect(db.engine.url.database)
            self.conn.execute("BEGIN")
        else:
            self.conn = psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
        self.conn.execute("SELECT count(*) FROM cases").fetchone()

    def close(self):
        self.conn.rollback()
        self.conn.close()


@pytest.mark.parametrize("retry", ["next commit", "sweep-deadlines"])
def test_a_close_while_another_connection_reads_is_purged_once_the_reader_is_gone(app, runner, retry):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"], description=f"{PATIENT_NAME} ({PATIENT_CPR}) fik forkert dosis ved udskrivelsen.")
        other, _ = make_case(users["nurse"], event_org="H")  # no personal data: open beside the closed one
        perform(users["rm"], case, "edit", {"description": "[NAVN] ([CPR]) fik forkert dosis ved udskrivelsen."}, now=FIXED_NOW)
        db.session.commit()
        reader = _Reader(app)
        try:
            close(users["rm"], case)  # answers at once: the purge does not wait for the reader
            assert case.anonymised_at is not None
            if reader.sqlite:
                assert _pending() == 1  # the WAL could not be truncated under the reader: recorded
        finally:
            reader.close()
        if retry == "next commit":  # any later commit of this process tries again
            perform(users["rm"], other, "comment", {"text": "Set af risikomanager"}, now=FIXED_NOW)
            db.session.commit()
        else:
            result = runner.invoke(args=["uth", "sweep-deadlines", "--now", FIXED_NOW.isoformat()])
            assert result.exit_code == 0, result.output
        assert _pending() == 0
        _assert_gone(app)


CRASH_AFTER_EDIT = """
import os, sys
from datetime import datetime
from sqlalchemy import event
from uth import create_app
from uth.extensions import db

url, index_dir, case_id, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), datetime.fromisoformat(sys.argv[4])
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UTH_INDEX_DIR": index_dir, "UTH_FIXED_NOW": now})
with app.app_context():
    from uth.auth.services import find_user
    from uth.handling.actions import perform
    from uth.reports.models import Case

    case = db.session.get(Case, case_id)
    perform(find_user("rm@h.dk"), case, "edit", {"description": "[NAVN] fik dobbelt dosis ved aftenbesøget i hjemmeplejen."}, now=now)
    event.listen(db.session, "after_commit", lambda session: os._exit(3), insert=True)  # dies right after the commit
    db.session.commit()
"""


@pytest.mark.parametrize("finisher", ["sweep-deadlines", "next start"])
def test_a_crash_right_after_edit_leaves_the_redacted_text_nowhere_once_finished(app, runner, sibling_app, finisher):
    word = "Zebulonsky"
    with app.app_context():
        case = personal_case(region()["nurse"], description=f"{word} fik dobbelt dosis ved aftenbesøget i hjemmeplejen.")
        case_id = case.id
    index_dir = app.config["UTH_INDEX_DIR"]
    assert any(word.lower().encode() in p.read_bytes().lower() for p in Path(index_dir).rglob("*") if p.is_file())
    crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_EDIT, app.config["SQLALCHEMY_DATABASE_URI"], index_dir,
                              str(case_id), FIXED_NOW.isoformat()], cwd=Path(__file__).resolve().parents[2],
                             capture_output=True, text=True)
    assert crashed.returncode == 3, crashed.stderr
    with app.app_context():
        assert db.session.get(Case, case_id).description.startswith("[NAVN]")  # the edit was committed
        assert _pending() == 1  # and its purge recorded
        assert any(word.lower().encode() in p.read_bytes().lower() for p in Path(index_dir).rglob("*") if p.is_file())
    if finisher == "sweep-deadlines":
        result = runner.invoke(args=["uth", "sweep-deadlines", "--now", FIXED_NOW.isoformat()])
        assert result.exit_code == 0, result.output
    else:  # a new process: its first search replays what the dead one left
        restarted = sibling_app()
        with restarted.app_context():
            from uth.search.indexing import get_backend

            get_backend()
    with app.app_context():
        assert _pending() == 0
        _assert_gone(app, [word])


def test_delivered_mail_leaves_the_wal_once_the_reader_is_gone(app, runner, smtp_server):  # noqa: F811
    """`uth send-notifications` deletes a closed case's feedback mail once delivered; the reporter's
    address must then leave the WAL too, also when a reader kept the checkpoint from finishing."""
    address = "xq.datter@example.dk"
    app.config.update(UTH_SMTP_HOST=smtp_server.host, UTH_SMTP_PORT=smtp_server.port)
    with app.app_context():
        users = region()
        data = parse_report(report_data(event_org="H", reporter={"email": address, "name": "Datter"}), public=True,
                            reporter=None, now=FIXED_NOW)
        case, _ = submit_report(None, data, now=FIXED_NOW, public=True)
        db.session.commit()
        close(users["rm"], case)
        reader = _Reader(app)
        try:
            result = runner.invoke(args=["uth", "send-notifications", "--now", FIXED_NOW.replace(hour=12).isoformat()])
            assert result.exit_code == 0, result.output
            if reader.sqlite:
                assert _pending() == 1
        finally:
            reader.close()
        assert any(m["To"] == address for m in smtp_server.messages)
        assert runner.invoke(args=["uth", "sweep-deadlines", "--now", FIXED_NOW.isoformat()]).exit_code == 0
        assert _pending() == 0
        _assert_gone(app, [address])
