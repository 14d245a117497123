"""A report becomes a case at once (SPEC §3); involved organisations, statements and history."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.auth.models import Organisation, User
from uth.extensions import db
from uth.types import UTCDateTime


class CaseStatus(enum.StrEnum):
    """Case states of SPEC §5 [contract]; members equal their strings (the database and JSON hold those)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    AWAITING_STATEMENT = "awaiting_statement"
    CLOSED = "closed"
    REJECTED = "rejected"


CASE_STATUSES = frozenset(CaseStatus)
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_STATEMENT)


class Case(db.Model):
    """A reported unintended event and everything its handling adds to it."""

    __tablename__ = "cases"
    # Every index is one more page a new case's commit writes (on SQLite into the WAL, and again into
    # the database at the checkpoint): a column gets one only for a query that reads it, none where a
    # wider index leads with the column (status), none for what no query filters on (close_by), and
    # one only over the rows a query can look for (assignee).
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_cases_year_seq"),
        # The queue's open cases in deadline order, with what its scope check and counters read (partial: closed
        # cases have no deadline), so an overdue queue never reads the wide case rows it skips.
        Index("ix_cases_open_due", "next_due_on", "status", "handling_org_id", "event_org_id", "reporting_org_id",
              "received_at", "assignee_id", sqlite_where=text("next_due_on IS NOT NULL"),
              # The case id too, for an index-only scan (SQLite keeps the rowid in every index).
              postgresql_where=text("next_due_on IS NOT NULL"), postgresql_include=["id"]),
        # Search and statistics filters read only these: a region-wide filtered search scans this
        # index instead of the wide case rows (at 100,000 cases: 21 ms instead of 73). A filter on
        # the status alone reads it too.
        Index("ix_cases_filters", "status", "event_type", "severity", "received_at", "handling_org_id",
              "event_org_id", "reporting_org_id"),
        # A risk manager's own cases; a new case has no assignee, so a submission does not touch it.
        Index("ix_cases_assignee_id", "assignee_id", sqlite_where=text("assignee_id IS NOT NULL"),
              postgresql_where=text("assignee_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A staff reporter sees the receipt code again on their report's page (SPEC §18); a public one
    # has it only in the receipt (and its e-mail): only the hash of theirs is kept.
    staff_receipt_code: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), default=CaseStatus.NEW)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at_precision: Mapped[str] = mapped_column(String(12), default="known")

    reporter_kind: Mapped[str] = mapped_column(String(8), default="staff")  # staff | public
    statutory: Mapped[bool] = mapped_column(Boolean, default=True)
    reporting_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    event_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    handling_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The organisation that first received the case: its risk managers own an anonymous reporter's identity.
    owning_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id"))
    transition_type: Mapped[str | None] = mapped_column(String(80))
    transition_from_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    transition_to_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    cross_sector: Mapped[bool] = mapped_column(Boolean, default=False)

    event_type: Mapped[str | None] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    consequence: Mapped[str | None] = mapped_column(Text)
    prevention: Mapped[str | None] = mapped_column(Text)
    actual_consequence: Mapped[str] = mapped_column(String(16))
    possible_consequence: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(24), index=True)
    ncc_merp: Mapped[str | None] = mapped_column(String(1))
    sac: Mapped[int | None] = mapped_column(Integer)
    medication: Mapped[dict | None] = mapped_column(JSON)
    device: Mapped[dict | None] = mapped_column(JSON)

    # Personal data: deleted at anonymisation (SPEC §8).
    patient_cpr: Mapped[str | None] = mapped_column(String(11))
    patient_name: Mapped[str | None] = mapped_column(String(200))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    reporter_profession: Mapped[str | None] = mapped_column(String(100))
    reporter_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledge_by: Mapped[date] = mapped_column(Date)
    close_by: Mapped[date] = mapped_column(Date)
    # The nearest open deadline (reports.due.next_deadline), NULL once closed or rejected; stored by
    # services.refresh_next_due whenever a service changes the status, a deadline or a statement, so
    # the queue filters overdue cases and sorts by an index instead of a subquery per case.
    next_due_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclusion: Mapped[str | None] = mapped_column(Text)
    learning: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(String(40))
    reject_comment: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reporting_org: Mapped[Organisation | None] = relationship(foreign_keys=[reporting_org_id])
    event_org: Mapped[Organisation | None] = relationship(foreign_keys=[event_org_id])
    handling_org: Mapped[Organisation | None] = relationship(foreign_keys=[handling_org_id])
    owning_org: Mapped[Organisation | None] = relationship(foreign_keys=[owning_org_id])
    transition_from_org: Mapped[Organisation | None] = relationship(foreign_keys=[transition_from_org_id])
    transition_to_org: Mapped[Organisation | None] = relationship(foreign_keys=[transition_to_org_id])
    reporter_user: Mapped[User | None] = relationship(foreign_keys=[reporter_user_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    duplicate_of: Mapped[Case | None] = relationship(remote_side=[id])
    involved: Mapped[list[CaseOrg]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseOrg.id"
    )
    statements: Mapped[list[Statement]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Statement.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id"
    )
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMessage.id"
    )

    @property
    def is_open(self) -> bool:
        """True until the case is closed or rejected."""
        return self.status in OPEN_STATUSES

    @property
    def effective_org(self) -> Organisation | None:
        """Where the event happened, falling back to the reporting organisation (SPEC §3)."""
        return self.event_org or self.reporting_org


class CaseOrg(db.Model):
    """An involved organisation and its role (arose, discovered, involved)."""

    __tablename__ = "case_orgs"
    # Its index leads with the case: the one a case's links are read by.
    __table_args__ = (UniqueConstraint("case_id", "org_id", "role", name="uq_case_orgs_case_org_role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))

    case: Mapped[Case] = relationship(back_populates="involved")
    org: Mapped[Organisation] = relationship()


class Statement(db.Model):
    """A statement request to an involved organisation, with its own deadline."""

    __tablename__ = "statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    respond_by: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Withdrawn by the handler (the reason is in the case history); a reminder re-sends the request.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="statements")
    org: Mapped[Organisation] = relationship()

    @property
    def is_open(self) -> bool:
        """Still awaited: neither answered nor withdrawn."""
        return self.answer is None and self.withdrawn_at is None


class CaseMessage(db.Model):
    """One message of the dialogue between the handling risk managers and the reporter (SPEC §19).

    A reporter's message names no author: the reporter may be anonymous, and the case already knows
    who reported it where that may be known. A risk manager's names the user (for the audit and history).
    """

    __tablename__ = "case_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sender: Mapped[str] = mapped_column(String(16))  # risk_manager | reporter [contract]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class CaseEvent(db.Model):
    """One entry of a case's history as shown on the case page; never holds replaced text."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ReferenceCounter(db.Model):
    """Per-year sequence behind UTH-YYYY-NNNNNN; a row lock makes it safe across workers."""

    __tablename__ = "reference_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
