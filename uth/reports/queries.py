"""The risk manager's queue: visible cases, filters, and the nearest open deadline first (SPEC §6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from uth.auth.models import Organisation, User
from uth.auth.permissions import in_subtree
from uth.extensions import db
from uth.reports.models import OPEN_STATUSES, Case
from uth.reports.visibility import visible_cases_clause


ORG_COLUMNS = ("reporting_org", "event_org", "handling_org", "owning_org", "transition_from_org", "transition_to_org")
# What the queue's rows show (case_json, the HTML rows), loaded for the whole page in one query each
# instead of lazily per case (at 50 rows: 11 statements instead of 132).
# The dialogue with the reporter is not among them: the queue carries no messages (SPEC §19).
# The assignee rides along in the page's query (a join costs less than a third query for a few users).
PAGE_LOADING = (selectinload(Case.involved), selectinload(Case.statements), joinedload(Case.assignee),
                selectinload(Case.duplicate_of))


def load_organisations(cases: list[Case]) -> None:
    """Every organisation the page's cases, their involved links and statements name, in one query,
    set on them as loaded (no lazy load per case and attribute when the rows are shown)."""
    items = [(c, name) for c in cases for name in ORG_COLUMNS]
    items += [(item, "org") for c in cases for item in (*c.involved, *c.statements)]
    wanted = {getattr(obj, f"{name}_id") for obj, name in items} - {None}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))} if wanted else {}
    for obj, name in items:
        set_committed_value(obj, name, orgs.get(getattr(obj, f"{name}_id")))


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
    if filters.overdue or filters.due_by is not None or (filters.status and set(filters.status) <= set(open_status_values())):
        # Only open cases can match: said outright, the queue reads the small index of open cases
        # (ix_cases_open_due) in deadline order, checks scope there and stops at the page's end.
        query = query.where(due.isnot(None))
        order = (due, Case.received_at.desc())
    else:
        order = (due.is_(None), due, Case.received_at.desc())  # closed cases (no deadline) last
    # Counted over the same conditions, not over a subquery of the whole select (whose every column
    # SQLAlchemy keys for its statement cache on each call).
    total = db.session.scalar(select(func.count()).select_from(Case).where(query.whereclause))
    rows = db.session.scalars(
        query.order_by(*order)
        .offset((page - 1) * per_page).limit(per_page).options(*PAGE_LOADING)  # what the rows show
    )
    cases = list(rows)
    load_organisations(cases)
    return cases, total or 0


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
        # Open cases are the ones with a deadline: said so, the counters read only ix_cases_open_due.
        .where(visible_cases_clause(actor), due.isnot(None))
    ).one()
    return dict(zip(("overdue", "due_this_week", "unassigned", "unrouted"), (int(n or 0) for n in row)))


def open_status_values() -> list[str]:
    """Values of the open states, for filters."""
    return list(OPEN_STATUSES)


def unrouted_cases(limit: int = 200) -> list[Case]:
    """Cases no rule or risk manager caught: for the admins' routing view (no case content shown)."""
    return list(db.session.scalars(
        select(Case).where(Case.handling_org_id.is_(None), Case.status.in_(open_status_values()))
        .order_by(Case.received_at).limit(limit)
    ))
