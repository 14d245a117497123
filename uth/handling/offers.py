"""Who may do what on a case right now: the offers the case page and the queue show."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from uth.auth.models import Grant, Role, User
from uth.auth.permissions import scope_paths
from uth.extensions import db
from uth.handling import workflow
from uth.reports.models import Case, Statement
from uth.reports.visibility import can_handle, case_view_level


def eligible_assignees(case: Case) -> list[User]:
    """Risk managers who may handle the case: the ones the assign form offers."""
    return assignees_for([case])


def assignees_for(cases: list[Case]) -> list[User]:
    """Risk managers who may handle at least one of the cases (the queue's bulk form offers them for
    a page of cases), by name: one query for the users and their grants, however many cases."""
    orgs = [o for o in (c.handling_org or c.effective_org for c in cases) if o is not None]
    if not orgs:
        return []
    above = {i for o in orgs for i in (o.ancestor_ids() or [o.id])}
    users = db.session.scalars(
        select(User).join(Grant, Grant.user_id == User.id)
        .where(Grant.org_id.in_(above), Grant.active.is_(True), User.active.is_(True),
               Grant.role.in_([Role.RISK_MANAGER.value, Role.CENTRAL_RISK_MANAGER.value]))
        .distinct().order_by(User.name)
        .options(selectinload(User.grants).joinedload(Grant.org))  # what can_handle reads, per user
    )
    return [u for u in users if any(can_handle(u, c) for c in cases)]


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
