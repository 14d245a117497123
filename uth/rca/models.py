"""Root-cause analyses of serious cases: team, timeline, causal statements, action plan (SPEC §9)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.auth.models import Organisation, User
from uth.extensions import db
from uth.i18n import N_
from uth.rca.workflow import ActionStatus, AnalysisStatus
from uth.reports.models import Case
from uth.types import UTCDateTime

# Methods of SPEC §9 with their Danish names (DOMAIN §3; English in the catalog).
METHODS = {
    "kaa": N_("Kerneårsagsanalyse"),
    "rca2": N_("RCA²"),
    "event_analysis": N_("Hændelsesanalyse"),
    "aggregated": N_("Aggregeret analyse"),
}
# The parts of an analysis, each a list of entries (the relationships of Analysis by these names).
PARTS = ("team", "timeline", "causal_statements", "contributing_factors", "action_items")

analysis_cases = Table(
    "analysis_cases",
    db.metadata,
    Column("analysis_id", ForeignKey("analyses.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True, index=True),
)


class Analysis(db.Model):
    """One analysis of one or more cases; read-only once approved, except action item status."""

    __tablename__ = "analyses"
    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), index=True, default=AnalysisStatus.DRAFT)
    handling_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    handling_org: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    cases: Mapped[list[Case]] = relationship(secondary=analysis_cases, order_by=Case.id)
    team: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan", order_by="TeamMember.id")
    timeline: Mapped[list[TimelineEntry]] = relationship(
        cascade="all, delete-orphan", order_by="(TimelineEntry.position, TimelineEntry.id)")
    causal_statements: Mapped[list[CausalStatement]] = relationship(
        cascade="all, delete-orphan", order_by="CausalStatement.id")
    contributing_factors: Mapped[list[ContributingFactor]] = relationship(
        cascade="all, delete-orphan", order_by="ContributingFactor.id")
    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="analysis", cascade="all, delete-orphan", order_by="ActionItem.id")


class TeamMember(db.Model):
    """A member of the analysis team; RCA² wants mostly uninvolved members."""

    __tablename__ = "analysis_team_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    involved: Mapped[bool] = mapped_column(Boolean, default=False)


class TimelineEntry(db.Model):
    """One step of the event's sequence: an exact time, or a free text like "om aftenen"."""

    __tablename__ = "analysis_timeline_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_text: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class CausalStatement(db.Model):
    """cause -> effect -> event; warnings are computed on read from the rules of causation."""

    __tablename__ = "analysis_causal_statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    cause: Mapped[str] = mapped_column(Text)
    effect: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(Text)


class ContributingFactor(db.Model):
    """A contributing factor from the `contributing_factors` taxonomy."""

    __tablename__ = "analysis_contributing_factors"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)


class ActionItem(db.Model):
    """One action of the plan, with its strength (action hierarchy) and follow-up measures."""

    __tablename__ = "analysis_action_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    strength: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default=ActionStatus.PLANNED, index=True)
    process_measure: Mapped[str | None] = mapped_column(Text)
    outcome_measure: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the sweep has reported the item overdue, so it is reported once.
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    analysis: Mapped[Analysis] = relationship(back_populates="action_items")
