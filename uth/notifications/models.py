"""Outbox of e-mails, written in the same transaction as the change that causes them (SPEC §7)."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uth.extensions import db
from uth.types import UTCDateTime


class OutboxStatus(enum.StrEnum):
    """Delivery state of an outbox e-mail: pending -> sending -> sent, or back to pending to retry, or failed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


DONE_STATUSES = (OutboxStatus.SENT, OutboxStatus.FAILED)


class OutboxMessage(db.Model):
    """One e-mail waiting for, or done with, delivery by `uth send-notifications`."""

    __tablename__ = "outbox"
    # The sender's look-up: pending messages due, oldest first (one index, not one for each column).
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID's local part: random, so it never repeats (row ids do, after the outbox is purged).
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a sender took the message for delivery; a `sending` row with an old claim is recovered.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the message's case was anonymised while it waited: deleted once delivered or given up.
    purge_when_done: Mapped[bool] = mapped_column(Boolean, default=False)
