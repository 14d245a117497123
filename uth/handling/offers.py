"""Who may do what on a case right now: the offers the case page and the queue show."""
from __future__ import annotations

from sqlalchemy import select

from uth.auth.models import Grant, Role, User
from uth.auth.permissions import scope_paths
from uth.extensions import db
from uth.handling import workflow
from uth.reports.models import Case, Statement
from uth.reports.visibility import can_handle, case_view_level


def eligible_assignees(case: Case) -> list[User]:
    """Risk managers who may handle the case: the ones the assign form offers."""
    org = case.handling_org or case.effective_org
    if org is None:
        return []
    users = db.session.scalars(
        select(User).join(Grant, Grant.user_id == User.id)
        .where(Grant.org_id.in_(org.ancestor_ids() or [org.id]), Grant.active.is_(True), User.active.is_(True),
               Grant.role.in_([Role.RISK_MANAGER.value, Role.CENTRAL_RISK_MANAGER.value]))
        .distinct().order_by(User.name)
    )
    return [u for u in users if can_handle(u, case)]


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
