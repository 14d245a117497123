"""The risk manager's queue: visible cases, filters, and the nearest open deadline first (SPEC §6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy import case as when

from uth.auth.models import Organisation, User
from uth.auth.permissions import in_subtree
from uth.extensions import db, read
from uth.reports.models import OPEN_STATUSES, Case, CaseOrg, Statement
from uth.reports.visibility import scope_clause, scope_key
from uth.routing.services import kept

ORG_COLUMNS = ("reporting_org", "event_org", "handling_org", "owning_org", "transition_from_org", "transition_to_org")
# What a queue row holds: the columns case_json (identities=False) and the HTML rows read. Not the
# personal data (the queue carries no identities) nor the dialogue (SPEC §19).
ROW_COLUMNS = (
    "id", "reference", "status", "received_at", "occurred_at", "occurred_at_precision", "title", "description",
    "consequence", "prevention", "event_type", "actual_consequence", "possible_consequence", "severity", "ncc_merp",
    "sac", "medication", "device", "transition_type", "cross_sector", "statutory", "reporter_kind", "assignee_id",
    "acknowledge_by", "close_by", "conclusion", "learning", "reject_reason", "reject_comment", "duplicate_of_id",
    "closed_at", *(f"{name}_id" for name in ORG_COLUMNS),
)
STATEMENT_COLUMNS = ("id", "case_id", "org_id", "question", "respond_by", "answer", "answered_at", "withdrawn_at",
                     "reminded_at")


class QueueOrg:
    """An organisation as a queue row shows it (code, name) and checks scope by (path)."""

    __slots__ = ("code", "id", "name", "path")
    ancestor_ids = Organisation.ancestor_ids

    def __init__(self, id: int, code: str, name: str, path: str):
        self.id, self.code, self.name, self.path = id, code, name, path


class QueueUser:
    """The assignee of a queue row."""

    __slots__ = ("email", "id", "name")

    def __init__(self, id: int, email: str, name: str):
        self.id, self.email, self.name = id, email, name


class QueueLink:
    """An involved organisation of a queue row (a CaseOrg)."""

    __slots__ = ("org", "org_id", "role")

    def __init__(self, org_id: int, role: str):
        self.org_id, self.role, self.org = org_id, role, None


class QueueStatement:
    """A statement request of a queue row, with the Statement's own rule of being open."""

    __slots__ = (*STATEMENT_COLUMNS, "org")
    is_open = Statement.is_open

    def __init__(self, row):
        for name, value in zip(STATEMENT_COLUMNS, row):
            setattr(self, name, value)


class QueueDuplicate:
    """The case a queue row duplicates: only its reference is shown."""

    __slots__ = ("reference",)

    def __init__(self, reference: str):
        self.reference = reference


class QueueCase:
    """One case of the queue's page, read with Core instead of as an ORM object (at 50 rows the ORM's
    loading of cases, links, statements and organisations was ~75% of the request). It answers what
    the Case answers for what a list shows: case_json without identities, the scope checks
    (case_view_level, can_handle), the deadlines (open_deadlines) and the HTML row. Read-only."""

    __slots__ = (*ROW_COLUMNS, *ORG_COLUMNS, "assignee", "duplicate_of", "involved", "statements")
    is_open = Case.is_open
    effective_org = Case.effective_org

    def __init__(self, row):
        for name, value in zip(ROW_COLUMNS, row):
            setattr(self, name, value)
        self.assignee = self.duplicate_of = None
        self.involved, self.statements = [], []


_IDS = bindparam("ids", expanding=True)
# The page's related rows, asked the same way for every page: built once, so SQLAlchemy keys them for
# its statement cache once per process instead of on each request.
_INVOLVED = select(CaseOrg.case_id, CaseOrg.org_id, CaseOrg.role).where(CaseOrg.case_id.in_(_IDS)).order_by(CaseOrg.id)
_STATEMENTS = (select(*(getattr(Statement, name) for name in STATEMENT_COLUMNS))
               .where(Statement.case_id.in_(_IDS)).order_by(Statement.id))
_ORGS = select(Organisation.id, Organisation.code, Organisation.name, Organisation.path).where(Organisation.id.in_(_IDS))
_USERS = select(User.id, User.email, User.name).where(User.id.in_(_IDS))
_REFERENCES = select(Case.id, Case.reference).where(Case.id.in_(_IDS))


def _kept_rows(key: str, statement, make, ids: set[int]) -> dict:
    """id -> `make(*row)` of `statement`'s rows for these ids. Organisations and users are kept per
    process while the routing generation stands (every change to either renews it, on any worker or
    server): only the ids this process has not seen since are read."""
    if not ids:
        return {}
    known = kept(key, dict)
    missing = ids - known.keys()
    if missing:
        for row in read(statement, {"ids": list(missing)}):
            known[row[0]] = make(*row)
    return known


def load_page(query) -> list[QueueCase]:
    """The cases `query` (a select of ROW_COLUMNS, ordered and limited) reads as QueueCase rows: one
    query for the rows, one each for their involved links and statements, the organisations and
    users they name (those this process has not kept), one for the references of the cases they
    duplicate (when any)."""
    run = read
    cases = [QueueCase(row) for row in run(query)]
    if not cases:
        return cases
    by_id = {c.id: c for c in cases}
    for case_id, org_id, role in run(_INVOLVED, {"ids": list(by_id)}):
        by_id[case_id].involved.append(QueueLink(org_id, role))
    for row in run(_STATEMENTS, {"ids": list(by_id)}):
        statement = QueueStatement(row)
        by_id[statement.case_id].statements.append(statement)
    items = [(c, name) for c in cases for name in ORG_COLUMNS]
    items += [(item, "org") for c in cases for item in (*c.involved, *c.statements)]
    orgs = _kept_rows("queue_orgs", _ORGS, QueueOrg, {getattr(obj, f"{name}_id") for obj, name in items} - {None})
    for obj, name in items:
        setattr(obj, name, orgs.get(getattr(obj, f"{name}_id")))
    users = _kept_rows("queue_users", _USERS, QueueUser, {c.assignee_id for c in cases} - {None})
    for c in cases:
        c.assignee = users.get(c.assignee_id)
    duplicates = {c.duplicate_of_id for c in cases} - {None}
    if duplicates:
        references = dict(run(_REFERENCES, {"ids": list(duplicates)}).all())
        for c in cases:
            if c.duplicate_of_id is not None:
                c.duplicate_of = QueueDuplicate(references[c.duplicate_of_id])
    return cases


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


def _wanted(filters: QueueFilters) -> tuple:
    """The filters as the statements' cache key (values only, no ORM objects)."""
    return (tuple(filters.status) if filters.status else None, filters.overdue, filters.due_by,
            filters.org.path if filters.org is not None else None,
            filters.assignee.id if filters.assignee is not None else None, filters.unassigned, filters.unrouted)


def queue(actor: User, filters: QueueFilters, *, today: date, page: int = 1,
          per_page: int = 50) -> tuple[list[QueueCase], int]:
    """(cases of this page as read-only rows, total) of what the actor may see, nearest deadline first."""
    count, rows = _queue_statements(scope_key(actor), _wanted(filters), today, (page - 1) * per_page, per_page)
    total = read(count).scalar()
    return load_page(rows), total or 0


COUNTERS = ("overdue", "due_this_week", "unassigned", "unrouted")


def queue_with_counts(actor: User, filters: QueueFilters, *, today: date, page: int = 1,
                      per_page: int = 50) -> tuple[list[QueueCase], int, dict[str, int]]:
    """The queue (as `queue`) and the morning's counters over the actor's open cases (overdue, due
    this week, unassigned, unrouted): the total and the counters counted in one statement, so the
    actor's scope is checked once for both (at 100,000 cases on PostgreSQL each check read the
    ~5,500 open cases and hashed the region's involved links: 10 ms for the count, 18 for the counters)."""
    scope, wanted = scope_key(actor), _wanted(filters)
    _, rows = _queue_statements(scope, wanted, today, (page - 1) * per_page, per_page)
    total, *counts = read(_counted_statement(scope, wanted, today)).one()
    return load_page(rows), total or 0, dict(zip(COUNTERS, (int(n or 0) for n in counts)))


def _filter_conditions(wanted: tuple, today: date) -> tuple[list, bool]:
    """The filters' conditions on cases, and whether only open cases can match them."""
    status, overdue, due_by, org_path, assignee_id, unassigned, unrouted = wanted
    due = Case.next_due_on  # the nearest open deadline, NULL once not open
    conditions = []
    if status:
        conditions.append(Case.status.in_(status))
    if overdue:
        conditions.append(due < today)
    if due_by is not None:
        conditions += [due >= today, due <= due_by]
    if org_path is not None:
        # Cases handled in, or that happened in, the organisation's subtree.
        conditions.append(or_(in_subtree(Case.handling_org_id, [org_path]),
                              in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), [org_path])))
    if assignee_id is not None:
        conditions.append(Case.assignee_id == assignee_id)
    if unassigned:
        conditions.append(Case.assignee_id.is_(None))
    if unrouted:
        conditions.append(Case.handling_org_id.is_(None))
    return conditions, bool(overdue or due_by is not None or (status and set(status) <= set(open_status_values())))


@lru_cache(maxsize=256)
def _queue_statements(scope: tuple, wanted: tuple, today: date, offset: int, limit: int) -> tuple[Select, Select]:
    """The queue's count and page for a scope (visibility.scope_key), filters, day and page: built once
    per process and key (building them and keying them for SQLAlchemy's statement cache took ~2 ms of
    each request). The key holds every value the statements hold; the organisations' paths and the
    cases are read when they run."""
    due = Case.next_due_on
    filters, open_only = _filter_conditions(wanted, today)
    conditions = [scope_clause(scope), *filters]
    if open_only:
        # Only open cases can match: said outright, the queue reads the small index of open cases
        # (ix_cases_open_due) in deadline order, checks scope there and stops at the page's end.
        conditions.append(due.isnot(None))
        order = (due, Case.received_at.desc())
    else:
        order = (due.is_(None), due, Case.received_at.desc())  # closed cases (no deadline) last
    # Counted over the same conditions, not over a subquery of the whole select.
    count = select(func.count()).select_from(Case).where(*conditions)
    rows = (select(*(getattr(Case, name) for name in ROW_COLUMNS)).where(*conditions)
            .order_by(*order).offset(offset).limit(limit))
    return count, rows


def week_end(today: date) -> date:
    """The Sunday of today's week: "due this week" runs to it."""
    return today + timedelta(days=6 - today.weekday())


@lru_cache(maxsize=256)
def _counted_statement(scope: tuple, wanted: tuple, today: date) -> Select:
    """The queue's total and the counters (COUNTERS) in one pass over the scope's cases, built once per
    process and key (as the queue's). Open cases are the ones with a deadline: when the filters admit
    only open cases, that is said, and the pass reads only ix_cases_open_due."""
    due = Case.next_due_on
    filters, open_only = _filter_conditions(wanted, today)
    counted = lambda *conditions: func.count(when((and_(*conditions), 1)))
    return (select(counted(*filters) if filters else func.count(),
                   counted(due < today), counted(due >= today, due <= week_end(today)),
                   counted(due.isnot(None), Case.assignee_id.is_(None)),
                   counted(due.isnot(None), Case.handling_org_id.is_(None)))
            .select_from(Case).where(scope_clause(scope), *([due.isnot(None)] if open_only else [])))


def open_status_values() -> list[str]:
    """Values of the open states, for filters."""
    return list(OPEN_STATUSES)


def unrouted_cases(limit: int = 200) -> list[Case]:
    """Cases no rule or risk manager caught: for the admins' routing view (no case content shown)."""
    return list(db.session.scalars(
        select(Case).where(Case.handling_org_id.is_(None), Case.status.in_(open_status_values()))
        .order_by(Case.received_at).limit(limit)
    ))
