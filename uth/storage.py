"""The database's own files: what it takes to make deleted values leave them (SPEC §8)."""
from __future__ import annotations

from sqlalchemy import text

from uth.extensions import db


def checkpoint_wal() -> bool:
    """SQLite: copy the WAL into the database file and truncate it, so no old page version survives
    in `-wal` (every connection runs with secure_delete, so freed pages are zeroed). True when the
    checkpoint completed; False when another connection's read kept it from finishing. No-op (True)
    on PostgreSQL, where VACUUM reclaims dead row versions (README: Anonymisation and audit)."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as conn:
        busy, _log, _checkpointed = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    return not busy
