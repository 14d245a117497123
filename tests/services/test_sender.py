"""`uth send-notifications` against a real local SMTP server (SPEC §7): retried, never lost, never twice."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.notifications.sender import MAX_ATTEMPTS, STALE_AFTER, send_notifications
from uth.notifications.services import enqueue
from tests.conftest import FIXED_NOW
from tests.factories import make_case, make_org, make_user
from tests.smtp_server import smtp_server  # noqa: F401

SUBJECT = "Frist overskredet: UTH-2026-000001 (svar på anmodning om udtalelse)"
BODY = "Hej\n\nFristen for kvittering til indberetteren i sagen UTH-2026-000001 er overskredet (Ærø Kommune).\n"


@pytest.fixture
def mail(ctx, smtp_server):  # noqa: F811
    ctx.config.update(UTH_SMTP_HOST=smtp_server.host, UTH_SMTP_PORT=smtp_server.port, UTH_MAIL_FROM="uth@region.dk")
    return smtp_server


def _queue(to="rm@h.dk", subject=SUBJECT, body=BODY) -> int:
    message = enqueue("deadline_overdue", to, subject, body, now=FIXED_NOW)
    db.session.commit()
    return message.id


def _row(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_delivers_utf8_with_danish_subject_and_stable_message_id(mail):
    message_id = _queue()
    result = send_notifications(now=FIXED_NOW)
    assert (result.sent, result.retrying) == (1, 0)
    [received] = mail.messages
    assert received["Subject"] == SUBJECT
    assert received["From"] == "uth@region.dk" and received.envelope_to == ["rm@h.dk"]
    assert received.get_content() == BODY
    row = _row(message_id)
    assert received["Message-ID"] == f"<uth-{row.uid}@region.dk>"
    assert (row.status, row.sent_at, row.attempts, row.last_error) == ("sent", FIXED_NOW, 1, None)


def test_message_ids_never_repeat_after_the_outbox_is_purged(mail):
    """Row ids come back once the last rows are deleted (SQLite reuses the highest rowid): a mail
    client threading by Message-ID must never see two different mails with one id."""
    from sqlalchemy import delete

    _queue(subject="Første")
    send_notifications(now=FIXED_NOW)
    db.session.execute(delete(OutboxMessage))  # the purge of delivered mail
    db.session.commit()
    _queue(subject="Anden")
    send_notifications(now=FIXED_NOW)
    first, second = mail.messages
    assert (first["Subject"], second["Subject"]) == ("Første", "Anden")
    assert first["Message-ID"] != second["Message-ID"]


def test_temporary_failure_keeps_message_pending_with_error_and_backoff_then_retry_sends_once(mail):
    message_id = _queue()
    mail.fail_next(1, 451, "Mailbox busy")
    assert send_notifications(now=FIXED_NOW).retrying == 1
    row = _row(message_id)
    assert row.status == "pending" and row.attempts == 1
    assert "451" in row.last_error and "Mailbox busy" in row.last_error
    assert row.next_attempt_at == FIXED_NOW + timedelta(minutes=1)
    assert mail.messages == []
    # Not due yet: nothing happens before the backoff has passed.
    assert send_notifications(now=FIXED_NOW + timedelta(seconds=30)).sent == 0
    assert mail.data_attempts == 1
    assert send_notifications(now=FIXED_NOW + timedelta(minutes=1)).sent == 1
    assert send_notifications(now=FIXED_NOW + timedelta(hours=1)).sent == 0
    assert len(mail.messages) == 1 and mail.data_attempts == 2
    assert _row(message_id).status == "sent" and _row(message_id).attempts == 2


def test_server_down_keeps_every_message_queued_and_backs_off_further_each_time(mail):
    ids = [_queue(to=f"rm{i}@h.dk") for i in range(2)]
    mail.refuse_connections()
    assert send_notifications(now=FIXED_NOW).retrying == 2
    assert send_notifications(now=FIXED_NOW + timedelta(minutes=1)).retrying == 2
    for message_id in ids:
        row = _row(message_id)
        assert row.status == "pending" and row.attempts == 2 and row.last_error
        assert row.next_attempt_at == FIXED_NOW + timedelta(minutes=1) + timedelta(minutes=5)
    mail.start()
    assert send_notifications(now=FIXED_NOW + timedelta(minutes=6)).sent == 2
    assert sorted(m["To"] for m in mail.messages) == ["rm0@h.dk", "rm1@h.dk"]


def test_gives_up_after_max_attempts_but_keeps_the_message(mail):
    message_id = _queue()
    mail.refuse_connections()
    now = FIXED_NOW
    for _ in range(MAX_ATTEMPTS):
        send_notifications(now=now)
        now = _row(message_id).next_attempt_at or now
    row = _row(message_id)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS) and row.last_error
    mail.start()
    assert send_notifications(now=now + timedelta(days=1)).sent == 0 and mail.messages == []


def test_permanent_rejection_fails_at_once(mail):
    message_id = _queue()
    mail.fail_next(1, 550, "No such user")
    assert send_notifications(now=FIXED_NOW).failed == 1
    row = _row(message_id)
    assert row.status == "failed" and "550" in row.last_error


def test_two_senders_in_sequence_never_send_twice(mail):
    _queue()
    _queue(to="other@h.dk")
    assert send_notifications(now=FIXED_NOW, limit=1).sent == 1
    assert send_notifications(now=FIXED_NOW).sent == 1
    assert send_notifications(now=FIXED_NOW).sent == 0
    assert sorted(m["To"] for m in mail.messages) == ["other@h.dk", "rm@h.dk"]


def test_a_message_claimed_by_another_sender_is_left_alone_until_stale(mail):
    message_id = _queue()
    row = _row(message_id)
    row.status, row.claimed_at = "sending", FIXED_NOW  # a sender is working on it right now
    db.session.commit()
    assert send_notifications(now=FIXED_NOW + timedelta(minutes=5)).sent == 0
    assert mail.messages == []
    # That sender crashed: after STALE_AFTER the message is taken back and delivered.
    result = send_notifications(now=FIXED_NOW + STALE_AFTER + timedelta(seconds=1))
    assert (result.recovered, result.sent) == (1, 1)
    assert len(mail.messages) == 1 and _row(message_id).status == "sent"


def test_command_delivers_and_prints_counts(app, smtp_server, runner):  # noqa: F811
    app.config.update(UTH_SMTP_HOST=smtp_server.host, UTH_SMTP_PORT=smtp_server.port)
    with app.app_context():
        _queue()
    result = runner.invoke(args=["uth", "send-notifications", "--limit", "10"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, failed 0" in result.output
    assert smtp_server.messages[0]["Subject"] == SUBJECT
    bad = runner.invoke(args=["uth", "send-notifications", "--now", "soon"])
    assert bad.exit_code != 0 and "--now" in bad.stderr


def test_command_exits_non_zero_when_messages_are_left_undelivered(app, smtp_server, runner):  # noqa: F811
    """cron sees a failed run; the messages stay queued and the reason names no recipient."""
    app.config.update(UTH_SMTP_HOST=smtp_server.host, UTH_SMTP_PORT=smtp_server.port)
    with app.app_context():
        message_id = _queue(to="borger@example.dk")
    smtp_server.refuse_connections()
    result = runner.invoke(args=["uth", "send-notifications"])
    assert result.exit_code == 1
    assert "sent 0, retrying 1, failed 0" in result.stdout
    [reason] = result.stderr.strip().splitlines()
    assert reason.startswith("1 message(s) not delivered (1 will be retried, 0 given up): ConnectionRefusedError")
    assert "borger@example.dk" not in result.output
    with app.app_context():
        row = _row(message_id)
        assert row.status == "pending" and row.attempts == 1


def test_every_risk_manager_of_the_handling_organisation_is_told_of_a_new_case_and_its_deadlines(ctx):
    make_org("H", "hospital")
    for address in ("b@h.dk", "a@h.dk"):
        make_user(address, "risk_manager", "H")
    case, _ = make_case(event_org="H")
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_new")
                               .order_by(OutboxMessage.to_address)).all()
    assert [m.to_address for m in mails] == ["a@h.dk", "b@h.dk"]
    assert {(m.subject, m.body, m.case_id) for m in mails} == {(
        f"Ny utilsigtet hændelse i jeres kø: {case.reference}",
        mails[0].body, case.id)}
    body = mails[0].body
    assert f"{case.reference}, til {case.handling_org.name}." in body
    assert f"Frist for kvittering til indberetteren: {case.acknowledge_by:%d-%m-%Y}\n" in body
    assert f"Frist for afslutning af sagen: {case.close_by:%d-%m-%Y}\n" in body
    assert f"/cases/{case.reference}" in body
