"""The stored nearest open deadline (cases.next_due_on) follows every service that moves a deadline:
the queue's overdue filter and order read it, so a stale value would hide an overdue case."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import FIXED_NOW
from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.importing import import_reports
from uth.reports.models import Case
from uth.reports.queries import QueueFilters, queue


@pytest.fixture
def region(ctx):
    make_region()
    return ctx


def act(who, reference, action, **payload):
    perform(user(who), case_by_ref(reference), action, payload, now=FIXED_NOW)
    db.session.commit()


def stored(reference) -> date | None:
    db.session.expire_all()
    return db.session.scalar(select(Case.next_due_on).where(Case.reference == reference))


def overdue_on(day: date) -> list[str]:
    cases, total = queue(user("rm_h"), QueueFilters(overdue=True), today=day)
    assert total == len(cases)
    return [c.reference for c in cases]


def test_every_deadline_change_is_stored_and_seen_by_the_overdue_queue(region):
    ref = hospital_case()  # received Monday 23 November
    ack_by, close_by = date(2026, 11, 26), date(2027, 2, 21)
    assert stored(ref) == ack_by
    assert overdue_on(ack_by) == [] and overdue_on(ack_by + timedelta(days=1)) == [ref]
    act("rm_h", ref, "assign", assignee="rm@h.dk")  # acknowledged: the receipt deadline is met
    assert stored(ref) == close_by and overdue_on(ack_by + timedelta(days=1)) == []
    act("rm_h", ref, "request_statement", org="K-HJ", question="Hvornår kom epikrisen?")
    respond_by = date(2026, 12, 7)
    assert stored(ref) == respond_by and overdue_on(respond_by + timedelta(days=1)) == [ref]
    [statement] = case_by_ref(ref).statements
    act("rm_k", ref, "respond", statement_id=statement.id, text="Efter tre dage.")
    assert stored(ref) == close_by and overdue_on(respond_by + timedelta(days=1)) == []
    act("rm_h", ref, "reject", reason="test_case", comment="Testsag")
    assert stored(ref) is None and overdue_on(close_by + timedelta(days=1)) == []
    act("rm_h", ref, "reopen", comment="Det var alligevel en rigtig hændelse")
    assert stored(ref) == close_by and overdue_on(close_by + timedelta(days=1)) == [ref]


def test_the_queue_orders_by_the_stored_deadline_and_closing_clears_it(region):
    later, sooner = hospital_case(), hospital_case()
    act("rm_h", later, "assign", assignee="rm@h.dk")  # close_by in February
    cases, _ = queue(user("rm_h"), QueueFilters(), today=FIXED_NOW.date())
    assert [c.reference for c in cases] == [sooner, later]  # acknowledge_by in November first
    act("rm_h", later, "classify", event_type="medicinering")
    act("rm_h", later, "close", conclusion="Rutinen er ændret", learning="Send epikrisen samme dag")
    assert stored(later) is None


def test_an_imported_old_case_is_overdue_at_once(region):
    import json

    from tests.factories import report_data

    line = json.dumps(report_data(event_org="H-MED", received_at="2026-06-01T10:00:00+02:00",
                                  occurred_at="2026-05-31T10:00:00+02:00"), ensure_ascii=False)
    result = import_reports([line], now=FIXED_NOW)
    db.session.commit()
    [ref] = result.imported
    assert stored(ref) == date(2026, 6, 4)  # three working days after Monday 1 June
    assert overdue_on(FIXED_NOW.date()) == [ref]
