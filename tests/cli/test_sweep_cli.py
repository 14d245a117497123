"""`uth sweep-deadlines [--now ISO]` (SPEC §6, §15)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from uth.auth.models import UserSession
from uth.deadlines.models import OverdueRecord
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from tests.factories import make_case, make_org, make_user


def _setup(app):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        make_case(received_at="2026-11-18T10:00:00+01:00", occurred_at="2026-11-18T09:00:00+01:00", event_org="H")


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(OverdueRecord)),
                db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "deadline_overdue")))


def test_sweep_with_now_records_and_prints_counts_and_twice_notifies_once(app, runner):
    _setup(app)
    result = runner.invoke(args=["uth", "sweep-deadlines", "--now", "2026-11-23T23:59:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "0 overdue recorded" in result.output and _counts(app) == (0, 0)
    result = runner.invoke(args=["uth", "sweep-deadlines", "--now", "2026-11-24T00:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "case_deadlines: 1 overdue recorded" in result.output
    again = runner.invoke(args=["uth", "sweep-deadlines", "--now", "2026-11-25T08:00:00+01:00"])
    assert again.exit_code == 0 and "case_deadlines: 0 overdue recorded" in again.output
    assert _counts(app) == (1, 1)


def test_sweep_without_now_uses_the_clock(app, runner):
    _setup(app)  # the pinned clock (Monday 23 November) is still the acknowledge day
    result = runner.invoke(args=["uth", "sweep-deadlines"])
    assert result.exit_code == 0 and _counts(app) == (0, 0)


def test_bad_now_fails_with_one_line(app, runner):
    result = runner.invoke(args=["uth", "sweep-deadlines", "--now", "tomorrow"])
    assert result.exit_code != 0
    assert result.stderr.strip().count("\n") == 0 and "--now" in result.stderr


def test_sweep_deletes_sign_in_sessions_long_over_and_keeps_the_rest(app, runner):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    day = timedelta(days=1)
    with app.app_context():
        user = make_user("nurse@h.dk", "reporter", make_org("H", "hospital").code)
        rows = {"ended long ago": (now - 40 * day, now - 39 * day, now - 31 * day),
                "expired long ago": (now - 40 * day, now - 31 * day, None),
                "ended lately": (now - 3 * day, now + 5 * day, now - 2 * day),
                "live": (now - day, now + day, None)}
        for name, (created, expires, ended) in rows.items():
            db.session.add(UserSession(user=user, token_hash=name.ljust(64, "x"), created_at=created,
                                       expires_at=expires, ended_at=ended))
        db.session.commit()
    result = runner.invoke(args=["uth", "sweep-deadlines", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    assert "forget_old_sessions: 2 old sign-in sessions deleted" in result.output
    with app.app_context():
        left = sorted(h.rstrip("x") for h in db.session.scalars(select(UserSession.token_hash)))
    assert left == ["ended lately", "live"]
