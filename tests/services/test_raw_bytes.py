"""After close, the patient's name and CPR (and the reporter's phone) are gone from every file the
application wrote: database, WAL, shared memory, search index (SPEC §8). PostgreSQL: from the tables."""
from pathlib import Path

from sqlalchemy import text

from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, REPORTER_PHONE, close, personal_case, region
from tests.conftest import FIXED_NOW
from uth.extensions import db
from uth.handling.actions import perform

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


def test_personal_data_is_gone_from_storage_after_close(app):
    with app.app_context():
        case = _closed_case_whose_text_was_redacted(app)
        assert case.patient_cpr is None and case.anonymised_at is not None
        if db.engine.dialect.name == "sqlite":
            files = _written_files(app)
            assert Path(db.engine.url.database) in files
            for path in files:
                raw = path.read_bytes()
                for needle in _needles():
                    assert needle not in raw, f"{needle!r} found in {path}"
        else:
            dump = db.session.execute(text(
                "SELECT concat_ws('|', (SELECT string_agg(c::text, '|') FROM cases c),"
                " (SELECT string_agg(e::text, '|') FROM case_events e),"
                " (SELECT string_agg(a::text, '|') FROM audit_entries a),"
                " (SELECT string_agg(o::text, '|') FROM outbox o))")).scalar()
            for secret in SECRETS:
                assert secret not in dump and secret.lower() not in dump.lower()
