"""The deadline sweep (SPEC §6): overdue at the end of the local day, recorded and announced once."""
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from tests.conftest import FIXED_NOW
from tests.factories import make_case, make_org, make_user
from uth import hooks
from uth.audit.models import AuditEntry
from uth.auth.orgs import get_org
from uth.deadlines.models import OverdueRecord
from uth.deadlines.sweep import run_sweepers
from uth.extensions import db
from uth.handling.sweep import _record_once, sweep_deadlines
from uth.notifications.models import OutboxMessage
from uth.reports.models import Statement


def _region():
    make_org("R", "region", name="Region Test")
    make_org("H", "hospital", parent="R", name="Hospital Nord")
    make_org("H-MED", "hospital", parent="H")
    make_org("K2", "kommune")
    make_user("rm@h.dk", "risk_manager", "H")
    make_user("central@r.dk", "central_risk_manager", "R")
    make_user("central@h.dk", "central_risk_manager", "H")
    make_user("central@med.dk", "central_risk_manager", "H-MED")  # below the handling org: not "above"
    make_user("central@k2.dk", "central_risk_manager", "K2")


def _case(received: str, status: str = "new", **fields):
    case, _ = make_case(received_at=received, occurred_at=received, event_org="H-MED", **fields)
    case.status = status
    db.session.commit()
    return case


def _mails(kind="deadline_overdue"):
    return sorted((m.to_address, m.subject) for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_acknowledge_deadline_is_overdue_only_after_its_local_day_ends(ctx):
    _region()
    case = _case("2026-11-18T10:00:00+01:00")  # Wednesday; 3 working days → Monday 23 November
    assert case.acknowledge_by == date(2026, 11, 23)
    last_second = datetime(2026, 11, 23, 22, 59, 59, tzinfo=timezone.utc)  # 23:59:59 in Copenhagen
    assert sweep_deadlines(now=last_second).recorded == 0
    next_day = datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc)  # 00:00 on the 24th in Copenhagen
    result = sweep_deadlines(now=next_day)
    db.session.commit()
    assert result.recorded == 1
    row = db.session.scalars(select(OverdueRecord)).one()
    assert (row.case_id, row.deadline, row.due_on) == (case.id, "acknowledge_by", date(2026, 11, 23))
    # acknowledge_by goes to the handling risk managers only
    assert _mails() == [("rm@h.dk", f"Frist overskredet: {case.reference} (kvittering til indberetteren)")]


def test_sweep_twice_records_and_notifies_once(ctx):
    _region()
    case = _case("2026-11-16T10:00:00+01:00")
    first = sweep_deadlines(now=FIXED_NOW)
    db.session.commit()
    second = sweep_deadlines(now=FIXED_NOW)
    db.session.commit()
    assert (first.recorded, second.recorded) == (1, 0)
    assert len(_mails()) == 1
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline.overdue")).all()
    assert [(a.case_id, a.actor_label, a.detail["deadline"]) for a in audit] == [(case.id, "system", "acknowledge_by")]


def test_close_deadline_also_notifies_central_risk_managers_above(ctx):
    _region()
    case = _case("2026-08-20T10:00:00+02:00", status="in_progress")  # 90 days → 18 November
    assert case.close_by == date(2026, 11, 18)
    assert sweep_deadlines(now=FIXED_NOW).recorded == 1
    db.session.commit()
    subject = f"Frist overskredet: {case.reference} (afslutning af sagen (90 dage))"
    assert _mails() == [("central@h.dk", subject), ("central@r.dk", subject), ("rm@h.dk", subject)]
    body = db.session.scalars(select(OutboxMessage.body)).first()
    assert "18-11-2026" in body and "Hospital Nord" in body and f"/cases/{case.reference}" in body
    assert case.title not in body and case.description not in body


def test_unrouted_case_goes_to_the_central_risk_managers_above_the_event_org(ctx):
    make_org("R2", "region")
    make_org("X", "hospital", parent="R2")
    make_user("central@r2.dk", "central_risk_manager", "R2")
    make_org("K2", "kommune")
    make_user("central@k2.dk", "central_risk_manager", "K2")  # another tree: not notified
    case, _ = make_case(received_at="2026-11-16T10:00:00+01:00", occurred_at="2026-11-16T09:00:00+01:00", event_org="X")
    assert case.handling_org is None
    assert sweep_deadlines(now=FIXED_NOW).recorded == 1
    db.session.commit()
    assert [to for to, _ in _mails()] == ["central@r2.dk"]
    assert "ikke routet" in db.session.scalars(select(OutboxMessage.body)).one()


def test_closed_and_rejected_cases_are_ignored(ctx):
    _region()
    _case("2026-08-20T10:00:00+02:00", status="closed")
    _case("2026-08-20T10:00:00+02:00", status="rejected")
    assert sweep_deadlines(now=FIXED_NOW).recorded == 0
    assert _mails() == []


def test_unanswered_statement_respond_by_is_swept_and_answered_one_is_not(ctx):
    _region()
    case = _case("2026-11-02T10:00:00+01:00", status="awaiting_statement")
    asked = get_org("H-MED")
    late = Statement(case_id=case.id, org_id=asked.id, question="Hvad skete der?", requested_at=FIXED_NOW,
                     respond_by=date(2026, 11, 20))
    answered = Statement(case_id=case.id, org_id=asked.id, question="Og så?", requested_at=FIXED_NOW,
                         respond_by=date(2026, 11, 19), answer="Svar", answered_at=FIXED_NOW)
    db.session.add_all([late, answered])
    db.session.commit()
    assert sweep_deadlines(now=FIXED_NOW).recorded == 1
    db.session.commit()
    assert db.session.scalars(select(OverdueRecord.deadline)).all() == [f"respond_by:{late.id}"]
    assert _mails() == [("rm@h.dk", f"Frist overskredet: {case.reference} (svar på anmodning om udtalelse)")]


def test_a_deadline_another_sweep_recorded_meanwhile_is_skipped_without_side_effects(ctx):
    _region()
    case = _case("2026-11-16T10:00:00+01:00")
    # Another machine's sweep committed the same record after this one read the recorded ones.
    db.session.add(OverdueRecord(case_id=case.id, deadline="acknowledge_by", due_on=case.acknowledge_by,
                                 recorded_at=FIXED_NOW))
    db.session.commit()
    assert _record_once(case, "acknowledge_by", case.acknowledge_by, FIXED_NOW) is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OverdueRecord)) == 1
    assert _mails() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "deadline.overdue")) == 0


def test_registered_sweepers_all_run(ctx):
    calls = []

    def action_items(now):
        calls.append(now)
        return 2

    hooks.add(ctx, hooks.SWEEPERS, action_items)
    counts = run_sweepers(FIXED_NOW)
    # Other features register theirs too: all run, in registration order, the new one last.
    assert {"case_deadlines", "storage_purges"} <= set(counts) and list(counts)[-1] == "action_items"
    assert counts["case_deadlines"] == 0 and counts["action_items"] == 2 and calls == [FIXED_NOW]
