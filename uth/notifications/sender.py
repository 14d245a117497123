"""Delivers the outbox over SMTP (SPEC §7): retried with backoff, never lost, sent twice only after a crash.

Each run (1) takes back messages a crashed sender left in `sending` for longer than STALE_AFTER,
(2) claims due `pending` messages by a conditional UPDATE (and `FOR UPDATE SKIP LOCKED` on
PostgreSQL) and commits the claim BEFORE talking SMTP, so a second sender never picks them up,
(3) sends each one and commits its outcome at once.

The trade-off, honestly: SMTP has no two-phase commit. If the process dies after the server
accepted a message but before `sent` is committed (a window of one small UPDATE), the message
is recovered after STALE_AFTER and sent again, with the same Message-ID so mail systems and
readers can recognise the duplicate. We prefer that (at-least-once) to losing a message.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import delete, select, update

from uth.extensions import db
from uth.notifications.models import DONE_STATUSES, OutboxMessage, OutboxStatus
from uth.storage import record_purge

# Waits after the 1st, 2nd, ... failed attempt; the last one repeats until MAX_ATTEMPTS.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(minutes=15)


@dataclass
class SendResult:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    recovered: int = 0
    purged: int = 0
    last_error: str | None = None  # the kind of the last delivery error of this run (no addresses)

    @property
    def undelivered(self) -> int:
        return self.retrying + self.failed


def backoff_after(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts (1-based)."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def recover_stale(now: datetime) -> int:
    """Put messages left in `sending` by a crashed sender back in the queue."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - STALE_AFTER)
        .values(status=OutboxStatus.PENDING, next_attempt_at=now, last_error="Afsendelsen blev afbrudt; sendes igen")
    )
    db.session.commit()
    return result.rowcount or 0


def claim_due(now: datetime, limit: int) -> list[OutboxMessage]:
    """Mark up to `limit` due messages `sending` and commit, so no other sender takes them."""
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id in list(db.session.scalars(query)):
        # Conditional: a concurrent sender (SQLite has no SKIP LOCKED) that got there first wins.
        taken = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=now)
        ).rowcount
        if taken == 1:
            claimed.append(message_id)
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


def message_id_of(message: OutboxMessage, mail_from: str) -> str:
    """The message's Message-ID: identical on every (re)send of it, never the same for two messages
    (a random id kept on the row; the row id comes back once the outbox has been purged)."""
    domain = mail_from.rpartition("@")[2] or "localhost"
    return f"<uth-{message.uid}@{domain}>"


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """The outbox row as a UTF-8 e-mail."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id_of(message, mail_from)
    email.set_content(message.body, charset="utf-8")
    return email


class _Connection:
    """One SMTP connection for a run, opened lazily and reopened after an error."""

    def __init__(self, config):
        self.host, self.port = config["UTH_SMTP_HOST"], int(config["UTH_SMTP_PORT"])
        self.timeout = float(config.get("UTH_SMTP_TIMEOUT", 30))
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        """Deliver one message; raises smtplib/OS errors."""
        if self.smtp is None:
            self.smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        self.smtp.send_message(email)

    def close(self) -> None:
        """Drop the connection (after an error, or at the end of the run)."""
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer will not get better by retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def _mark_failure(message: OutboxMessage, error: Exception, now: datetime) -> str:
    """Count the attempt and schedule the next one, or give up after MAX_ATTEMPTS; the row is kept."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.claimed_at = None
    if message.attempts >= MAX_ATTEMPTS or _is_permanent(error):
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + backoff_after(message.attempts)
    return message.status


def _error_summary(error: Exception) -> str:
    """The error's kind and SMTP code: its text may name recipients, which do not belong in cron mail."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def send_notifications(*, now: datetime, limit: int = 100) -> SendResult:
    """Deliver due outbox messages; commits after the claim and after each message."""
    result = SendResult(recovered=recover_stale(now))
    config = current_app.config
    mail_from = config["UTH_MAIL_FROM"]
    connection = _Connection(config)
    try:
        for message in claim_due(now, limit):
            try:
                connection.send(build_email(message, mail_from))
            except (smtplib.SMTPException, OSError) as error:
                connection.close()
                status = _mark_failure(message, error, now)
                result.failed += status == OutboxStatus.FAILED
                result.retrying += status == OutboxStatus.PENDING
                result.last_error = _error_summary(error)
            else:
                message.status, message.sent_at, message.claimed_at = OutboxStatus.SENT, now, None
                message.attempts += 1
                message.last_error = None
                result.sent += 1
            db.session.commit()
    finally:
        connection.close()
    result.purged = purge_done()
    if result.purged:  # the address leaves the WAL too: recorded, finished after commit or by the sweep
        record_purge(None, now=now)
    db.session.commit()
    return result


def purge_done() -> int:
    """Delete the delivered or given-up messages marked `purge_when_done` (the feedback mail of a
    case closed and anonymised meanwhile carried the reporter's address)."""
    deleted = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.purge_when_done.is_(True), OutboxMessage.status.in_(DONE_STATUSES)))
    return deleted.rowcount or 0
