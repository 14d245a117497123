"""The database's own files: what it takes to make deleted values leave them (SPEC §8).

Removing personal data is a change plus a purge: the change commits like any other, the purge makes
the old values unrecoverable from the files (the SQLite WAL, the search index's old segments). A
purge cannot always finish at once: another connection reading (a backup, an export) keeps the WAL
checkpoint from completing, and a process can die between the commit and the purge. So every purge
is first recorded as a `purge_requests` row in the change's own transaction, and the row is deleted
only once the purge has finished: the search index rewritten (`index_done`) and, after that, the
WAL checkpointed and truncated. What is left is retried at the process's next commit and finished by
`uth sweep-deadlines` at the latest (README: Anonymisation and audit).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Boolean, Integer, delete, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from uth.extensions import db
from uth.types import UTCDateTime

BUSY_MS = 10000  # the busy timeout every connection runs with (create_app's pragmas)
REQUESTED = "uth_purge_requested"  # session.info: case ids (None: the WAL only) recorded in this transaction


class PurgeRequest(db.Model):
    """A purge that has not finished yet; `case_id` None: only the WAL (e.g. delivered mail deleted)."""

    __tablename__ = "purge_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    index_done: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


def record_purge(case_id: int | None, *, now: datetime) -> None:
    """Record, in the caller's transaction, that removed text must leave the storage files once it
    commits: the case's index documents (`case_id`) and the WAL. Once per case and transaction."""
    requested = db.session.info.setdefault(REQUESTED, set())
    if case_id in requested:
        return
    requested.add(case_id)
    db.session.add(PurgeRequest(case_id=case_id, requested_at=now, index_done=case_id is None, attempts=0))


def checkpoint_wal(busy_ms: int = 0) -> bool:
    """SQLite: copy the WAL into the database file and truncate it, so no old page version survives
    in `-wal` (every connection runs with secure_delete, so freed pages are zeroed). True when the
    checkpoint completed; False when another connection's read (or write) kept it from finishing.
    `busy_ms`: how long to wait for them (0: answer at once, so no request waits on a backup).
    No-op (True) on PostgreSQL, where VACUUM reclaims dead row versions."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as conn:
        conn.execute(text(f"PRAGMA busy_timeout={int(busy_ms)}"))
        try:
            busy, _log, _checkpointed = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        finally:
            conn.execute(text(f"PRAGMA busy_timeout={BUSY_MS}"))
    return not busy


def purge_watermark(session: Session) -> int:
    """The newest request id: a rewrite of the index that reads the cases after this covers every
    request up to it (a request is visible only once its change has committed)."""
    return session.scalar(select(func.max(PurgeRequest.id))) or 0


def mark_index_done(session: Session, case_ids: Iterable[int], *, up_to: int) -> None:
    """The search index holds no removed text of these cases any more, as of request `up_to`."""
    ids = [i for i in case_ids if i is not None]
    if ids:
        session.execute(update(PurgeRequest).where(PurgeRequest.case_id.in_(ids), PurgeRequest.id <= up_to)
                        .values(index_done=True))
        session.commit()


def finish_purges(session: Session, *, busy_ms: int = 0) -> int:
    """Checkpoint the WAL; when it completed, delete the requests whose index part is done (their
    text is now in no file). Returns how many finished; the rest stay for the next try."""
    done = list(session.scalars(select(PurgeRequest.id).where(PurgeRequest.index_done.is_(True))))
    if not done:
        return 0
    if not checkpoint_wal(busy_ms):
        session.execute(update(PurgeRequest).where(PurgeRequest.id.in_(done)).values(attempts=PurgeRequest.attempts + 1))
        session.commit()
        return 0
    session.execute(delete(PurgeRequest).where(PurgeRequest.id.in_(done)))
    session.commit()
    checkpoint_wal(busy_ms)  # best effort: the WAL empty again after the deletion
    return len(done)


def open_purges(session: Session) -> list[PurgeRequest]:
    """Requests whose index part is not done yet, oldest first."""
    return list(session.scalars(select(PurgeRequest).where(PurgeRequest.index_done.is_(False)).order_by(PurgeRequest.id)))


def purges_pending(session: Session) -> int:
    """How many purges have not finished (health, tests)."""
    return session.scalar(select(func.count()).select_from(PurgeRequest)) or 0
