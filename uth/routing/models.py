"""Admin-defined routing rules, tried in priority order before the tree walk (SPEC §4)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.auth.models import Organisation
from uth.extensions import db
from uth.types import UTCDateTime


class RoutingRule(db.Model):
    """Conditions (all optional, all must hold) → the organisation that handles the case."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    event_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    sector: Mapped[str | None] = mapped_column(String(32))
    event_type_prefix: Mapped[str | None] = mapped_column(String(80))
    reporter_kind: Mapped[str | None] = mapped_column(String(8))
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event_org: Mapped[Organisation | None] = relationship(foreign_keys=[event_org_id])
    target_org: Mapped[Organisation] = relationship(foreign_keys=[target_org_id])
