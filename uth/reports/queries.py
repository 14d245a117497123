"""The risk manager's queue: visible cases, filters, and the nearest open deadline first (SPEC §6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import selectinload

from uth.auth.models import Organisation, User
from uth.auth.permissions import in_subtree
from uth.extensions import db
from uth.reports.models import OPEN_STATUSES, Case, CaseOrg, Statement
from uth.reports.visibility import visible_cases_clause


def queue_loading() -> list:
    """What the queue's rows show, loaded for the whole page in a few queries instead of a few per
    case: organisations, assignee, involved organisations and statements (case_json, the HTML rows)."""
    return [selectinload(getattr(Case, name)) for name in (
        "reporting_org", "event_org", "handling_org", "owning_org", "transition_from_org", "transition_to_org",
        "assignee", "duplicate_of")] + [
        selectinload(Case.involved).selectinload(CaseOrg.org),
        selectinload(Case.statements).selectinload(Statement.org),
    ]


@dataclass
class QueueFilters:
    """What the queue can be narrowed by."""

    status: list[str] | None = None
    overdue: bool = False
    due_by: date | None = None  # an open deadline from today up to this day (not yet overdue)
    org: Organisation | None = None
    assignee: User | None = None
    unassigned: bool = False
    unrouted: bool = False


def queue(actor: User, filters: QueueFilters, *, today: date, page: int = 1, per_page: int = 50) -> tuple[list[Case], int]:
    """(cases of this page, total) of what the actor may see, nearest deadline first."""
    due = Case.next_due_on  # the nearest open deadline, NULL once not open
    query = select(Case).where(visible_cases_clause(actor))
    if filters.status:
        query = query.where(Case.status.in_(filters.status))
    if filters.overdue:
        query = query.where(due < today)
    if filters.due_by is not None:
        query = query.where(due >= today, due <= filters.due_by)
    if filters.org is not None:
        # Cases handled in, or that happened in, the organisation's subtree.
        query = query.where(or_(in_subtree(Case.handling_org_id, [filters.org.path]),
                                in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), [filters.org.path])))
    if filters.assignee is not None:
        query = query.where(Case.assignee_id == filters.assignee.id)
    if filters.unassigned:
        query = query.where(Case.assignee_id.is_(None))
    if filters.unrouted:
        query = query.where(Case.handling_org_id.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(
        query.order_by(due.is_(None), due, Case.received_at.desc())
        .offset((page - 1) * per_page).limit(per_page).options(*queue_loading())
    )
    return list(rows), total or 0


def week_end(today: date) -> date:
    """The Sunday of today's week: "due this week" runs to it."""
    return today + timedelta(days=6 - today.weekday())


def queue_counts(actor: User, *, today: date) -> dict[str, int]:
    """The morning's counters over the actor's open cases: overdue, due this week, unassigned, unrouted."""
    due = Case.next_due_on
    counted = lambda condition: func.count(when((condition, 1)))  # noqa: E731 - counts the rows that meet it
    row = db.session.execute(
        select(counted(due < today), counted(and_(due >= today, due <= week_end(today))),
               counted(Case.assignee_id.is_(None)), counted(Case.handling_org_id.is_(None)))
        .where(visible_cases_clause(actor), Case.status.in_(open_status_values()))
    ).one()
    return dict(zip(("overdue", "due_this_week", "unassigned", "unrouted"), (int(n or 0) for n in row)))


def open_status_values() -> list[str]:
    """Values of the open states, for filters."""
    return [s.value for s in OPEN_STATUSES]


def unrouted_cases(limit: int = 200) -> list[Case]:
    """Cases no rule or risk manager caught: for the admins' routing view (no case content shown)."""
    return list(db.session.scalars(
        select(Case).where(Case.handling_org_id.is_(None), Case.status.in_(open_status_values()))
        .order_by(Case.received_at).limit(limit)
    ))
