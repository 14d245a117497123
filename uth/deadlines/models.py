"""Models of the deadlines feature."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uth.extensions import db
from uth.types import UTCDateTime


class OverdueRecord(db.Model):
    """One overdue deadline of a case, recorded once: the unique key makes concurrent sweeps safe."""

    __tablename__ = "overdue_records"
    __table_args__ = (UniqueConstraint("case_id", "deadline", name="uq_overdue_records_case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # "acknowledge_by", "close_by" or "respond_by:<statement id>" (uth.reports.presenters.open_deadlines)
    deadline: Mapped[str] = mapped_column(String(60))
    due_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
