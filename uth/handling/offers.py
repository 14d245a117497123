"""Who may do what on a case right now: the offers the case page and the queue show."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from uth.auth.models import Grant, Organisation, Role, User
from uth.auth.permissions import scope_paths
from uth.extensions import read
from uth.handling import workflow
from uth.reports.models import Case, Statement
from uth.reports.queries import QueueUser
from uth.reports.visibility import can_handle, case_view_level, handles_by_paths
from uth.routing.services import kept


def eligible_assignees(case: Case) -> list[QueueUser]:
    """Risk managers who may handle the case: the ones the assign form offers."""
    return assignees_for([case])


_HANDLER_ROLES = (Role.RISK_MANAGER.value, Role.CENTRAL_RISK_MANAGER.value)
# The case-role grants over some organisations, with their users: built once (the organisations bound
# per call), so it is not built and keyed for SQLAlchemy's statement cache on every page.
_HANDLER_GRANTS = (
    select(User.id, User.email, User.name, Grant.role, Organisation.path)
    .join(Grant, Grant.user_id == User.id).join(Organisation, Organisation.id == Grant.org_id)
    .where(Grant.org_id.in_(bindparam("orgs", expanding=True)), Grant.active.is_(True), User.active.is_(True),
           Grant.role.in_(_HANDLER_ROLES))
    .order_by(User.name, User.id)
)


def assignees_for(cases: list[Case]) -> list[QueueUser]:
    """Risk managers who may handle at least one of the cases (the queue's bulk form offers them for
    a page of cases), by name, as plain rows (id, email, name): one query for the users' case-role
    grants over the cases' organisations, however many cases (kept per routing generation), judged
    by the handler's own rule (visibility.handles_by_paths). Loading them as users with their grants
    took 1-4 ms of the queue."""
    orgs = [o for o in (c.handling_org or c.effective_org for c in cases) if o is not None]
    if not orgs:
        return []
    above = {i for o in orgs for i in (o.ancestor_ids() or [o.id])}
    orgs_above = tuple(sorted(above))  # the grants kept per routing generation (grants, users, organisations)
    rows = kept(("handler_grants", orgs_above), lambda: tuple(read(_HANDLER_GRANTS, {"orgs": list(orgs_above)})))
    users: dict[int, tuple[QueueUser, list[str], list[str]]] = {}
    for user_id, email, name, role, path in rows:
        _, case_paths, central_paths = users.setdefault(user_id, (QueueUser(user_id, email, name), [], []))
        case_paths.append(path)
        if role == Role.CENTRAL_RISK_MANAGER.value:
            central_paths.append(path)
    return [user for user, case_paths, central_paths in users.values()
            if any(handles_by_paths(case_paths, central_paths, c) for c in cases)]


def open_statements_for(actor: User, case: Case) -> list[Statement]:
    """Unanswered statement requests to an organisation the actor is a risk manager for."""
    paths = scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
    return [st for st in case.statements
            if st.is_open and any(st.org.path.startswith(p) for p in paths)]


def offered_actions(actor: User, case: Case) -> set[str]:
    """The actions the case page offers this viewer now: the state's, narrowed to the viewer's rights."""
    allowed = workflow.allowed_actions(case.status)
    if not can_handle(actor, case):
        allowed -= workflow.HANDLER_ACTIONS
    if "respond" in allowed and not open_statements_for(actor, case):
        allowed.discard("respond")
    return allowed if case_view_level(actor, case) else set()
