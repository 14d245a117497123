"""Learning summaries for patient-safety forums and batch counts (SPEC §10, §11)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.auth.models import Cluster, Organisation, User
from uth.extensions import db
from uth.reports.models import Case
from uth.types import UTCDateTime



class SummaryStatus(enum.StrEnum):
    """Status of a learning summary (SPEC §10); members equal their strings (the database and JSON hold those)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETRACTED = "retracted"


class Visibility(enum.StrEnum):
    """Who reads a published learning summary: the cluster's forum or every forum (SPEC §10)."""

    CLUSTER = "cluster"
    NATIONAL = "national"


DRAFT, PUBLISHED, RETRACTED = SummaryStatus
CLUSTER, NATIONAL = Visibility
VISIBILITIES = tuple(Visibility)
BATCH_KINDS = ("fald", "medicin_ikke_givet")  # taxonomy `batch_types` (SPEC §11)

learning_summary_cases = Table(
    "learning_summary_cases",
    db.metadata,
    Column("summary_id", ForeignKey("learning_summaries.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True, index=True),
)


class LearningSummary(db.Model):
    """What others can learn from one or more closed cases or an analysis, anonymised before publication."""

    __tablename__ = "learning_summaries"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    learning_points: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str | None] = mapped_column(Text)
    event_type: Mapped[str | None] = mapped_column(String(80), index=True)
    transition_type: Mapped[str | None] = mapped_column(String(80))
    sector_from: Mapped[str | None] = mapped_column(String(32))
    sector_to: Mapped[str | None] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(12), default=CLUSTER)
    # The forum the summary belongs to: the cluster of the first source case's handling organisation.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)
    # Whose risk managers may edit it: the first source case's handling organisation.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # An RCA analysis the summary was written from (plain id: the analyses table belongs to the rca feature).
    analysis_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12), index=True, default=DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cluster: Mapped[Cluster | None] = relationship()
    org: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    cases: Mapped[list[Case]] = relationship(secondary=learning_summary_cases, order_by=Case.id)

    @property
    def sector_pair(self) -> str | None:
        """The "from→to" key used by filters and statistics."""
        if not (self.sector_from and self.sector_to):
            return None
        return f"{self.sector_from}→{self.sector_to}"


class BatchCount(db.Model):
    """Samlerapportering: a count of falls or medicine not given for a unit and month, no narrative."""

    __tablename__ = "batch_counts"
    __table_args__ = (
        UniqueConstraint("org_id", "month", "kind", name="uq_batch_counts_org_id"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the unique constraint's index leads with it
    month: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship()


class BatchMonthLock(db.Model):
    """A month closed for batch counting in an organisation and its subtree."""

    __tablename__ = "batch_month_locks"
    __table_args__ = (UniqueConstraint("org_id", "month", name="uq_batch_month_locks_org_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the unique constraint's index leads with it
    month: Mapped[date] = mapped_column(Date)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    org: Mapped[Organisation] = relationship()
