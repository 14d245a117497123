"""Append-only audit log (SPEC §13): who, when, what, from where, and why personal data was opened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from uth.extensions import db
from uth.types import UTCDateTime


class AuditEntry(db.Model):
    """One audited event; rows are only ever inserted."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(500))


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")
