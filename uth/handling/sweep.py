"""The deadline sweep (SPEC §6): record each overdue deadline once and tell who must act.

Safe to run on several machines at once: `overdue_records` has a unique key on
(case_id, deadline) and each record is inserted in its own SAVEPOINT. On PostgreSQL a second
sweep inserting the same key waits for the first one's transaction; if that commits, the
insert fails with a unique violation, its savepoint is rolled back and the deadline is
skipped, together with its notifications and audit row (which live in the same savepoint).
So a deadline is recorded, audited and announced exactly once, however many sweeps race.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from uth.audit.services import record
from uth.deadlines.models import OverdueRecord
from uth.deadlines.rules import is_overdue, local_date
from uth.extensions import db
from uth.handling.mail import responsible_risk_managers
from uth.notifications.services import central_risk_managers_above, notify_overdue, risk_managers_of
from uth.reports.due import open_deadlines
from uth.reports.models import Case

BATCH_SIZE = 500


@dataclass
class SweepResult:
    """What one sweep did."""

    recorded: int = 0
    notified: int = 0


def _overdue_case_batches(today: date):
    """Open cases whose nearest open deadline lies before today, in id order, a batch at a time."""
    last_id = 0
    while True:
        batch = list(db.session.scalars(
            select(Case).where(Case.next_due_on < today, Case.id > last_id)
            .options(selectinload(Case.statements), selectinload(Case.handling_org))
            .order_by(Case.id).limit(BATCH_SIZE)
        ))
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def _recipients(case: Case, deadline: str) -> list:
    """Handling risk managers; for close_by (or an unrouted case) also the central ones above; for an
    overdue statement also the risk managers of the organisation asked (the escalation, once)."""
    users = list(risk_managers_of(case.handling_org_id))
    if deadline == "close_by" or case.handling_org_id is None:
        users += central_risk_managers_above(case.handling_org or case.effective_org)
    if deadline.startswith("respond_by:"):
        statement = next((st for st in case.statements if f"respond_by:{st.id}" == deadline), None)
        users += responsible_risk_managers(statement.org) if statement is not None else []
    return users


def _record_once(case: Case, deadline: str, due_on: date, now: datetime) -> int | None:
    """Record, audit and notify one overdue deadline; None when another sweep got there first."""
    try:
        with db.session.begin_nested():
            db.session.add(OverdueRecord(case_id=case.id, deadline=deadline, due_on=due_on, recorded_at=now))
            db.session.flush()
            record("system", "deadline.overdue", now=now, case=case,
                   detail={"reference": case.reference, "deadline": deadline, "due_on": due_on.isoformat()})
            return notify_overdue(case, deadline, due_on, _recipients(case, deadline), now=now)
    except IntegrityError:
        return None


def sweep_deadlines(*, now: datetime) -> SweepResult:
    """Record each open deadline that has passed (end of its local day) once, and notify about it."""
    result = SweepResult()
    for batch in _overdue_case_batches(local_date(now)):
        done = {tuple(row) for row in db.session.execute(
            select(OverdueRecord.case_id, OverdueRecord.deadline)
            .where(OverdueRecord.case_id.in_([c.id for c in batch]))
        )}
        for case in batch:
            for deadline, due_on in open_deadlines(case):
                if (case.id, deadline) in done or not is_overdue(due_on, now):
                    continue
                notified = _record_once(case, deadline, due_on, now)
                if notified is not None:
                    result.recorded += 1
                    result.notified += notified
    return result


def case_deadlines(now: datetime) -> int:
    """The case and statement deadlines of SPEC §6 (a sweeper: `handling.init_app` registers it)."""
    return sweep_deadlines(now=now).recorded
