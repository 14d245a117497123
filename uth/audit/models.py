"""Append-only audit log (SPEC §13): who, when, what, from where, and why personal data was opened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from uth.extensions import db
from uth.types import UTCDateTime

_NO_CASE = text("case_id IS NULL")


class AuditEntry(db.Model):
    """One audited event; rows are only ever inserted."""

    __tablename__ = "audit_entries"
    # A case's entries are read by the case; the organisation's and the action's indexes hold only the
    # entries about no case (what the trail finds by organisation, the daily head mail and the digest
    # by action), so that an action on a case, a submission's too, writes neither.
    __table_args__ = (
        Index("ix_audit_entries_org_id", "org_id", sqlite_where=_NO_CASE, postgresql_where=_NO_CASE),
        Index("ix_audit_entries_action", "action", "at", sqlite_where=_NO_CASE, postgresql_where=_NO_CASE),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # no index: the trail looks for actor_label
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(500))
    # SHA-256 over the previous entry's hash and this entry's content (SPEC §21, `uth.audit.chain`),
    # set as the entry is inserted at commit; never null for an entry the application wrote.
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """The chain's newest entry, one row: writers lock it to append (so ids follow the chain), and
    `uth audit-verify` compares it with the recomputed chain (entries removed from the end)."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    last_id: Mapped[int | None] = mapped_column()
    hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(default=0)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


# Database-level guard as well (anything bypassing the ORM): UPDATE is refused always; DELETE too
# (PostgreSQL TRUNCATE, used by the test fixture, fires no row trigger; SQLite's test clean-up drops
# and re-creates the DELETE trigger around its DELETEs).
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$ LANGUAGE plpgsql"
)


def append_only_ddl(dialect: str, only: tuple[str, ...] = ("update", "delete")) -> list[str]:
    """Statements creating the append-only triggers on audit_entries for this dialect."""
    if dialect == "postgresql":
        return [_PG_FUNCTION] + [
            f"CREATE TRIGGER audit_entries_no_{op} BEFORE {op.upper()} ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()" for op in only]
    if dialect == "sqlite":
        return [f"CREATE TRIGGER audit_entries_no_{op} BEFORE {op.upper()} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END" for op in only]
    return []


def drop_append_only_ddl(dialect: str, only: tuple[str, ...] = ("update", "delete")) -> list[str]:
    """Statements removing the append-only triggers (downgrade, SQLite test clean-up)."""
    suffix = " ON audit_entries" if dialect == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS audit_entries_no_{op}{suffix}" for op in only]


for _dialect in ("postgresql", "sqlite"):
    for _statement in append_only_ddl(_dialect):
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
