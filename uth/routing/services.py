"""Which organisation handles a case (SPEC §4): admin rules first, then the walk up the tree."""
from __future__ import annotations

from sqlalchemy import select

from uth.auth.models import Grant, Organisation, Role, User
from uth.extensions import db
from uth.routing.models import RoutingRule
from uth.routing.rules import CaseFacts, Rule, choose_handling_org


def active_rules() -> list[Rule]:
    """Active admin rules as pure values."""
    rows = db.session.scalars(select(RoutingRule).where(RoutingRule.active.is_(True)))
    return [
        Rule(r.id, r.priority, r.target_org_id, r.event_org_id, r.sector, r.event_type_prefix, r.reporter_kind)
        for r in rows
    ]


def orgs_with_risk_manager(org_ids: list[int]) -> set[int]:
    """Which of these organisations have an active risk manager."""
    if not org_ids:
        return set()
    return set(
        db.session.scalars(
            select(Grant.org_id)
            .join(User, User.id == Grant.user_id)
            .where(Grant.org_id.in_(org_ids), Grant.role == Role.RISK_MANAGER.value,
                   Grant.active.is_(True), User.active.is_(True))
        )
    )


def route(case) -> None:
    """Set the case's handling_org (rules, then the tree walk, else unrouted) and, the first time,
    its owning org. The case is any object with `effective_org`, `event_type`, `reporter_kind`."""
    origin = case.effective_org
    ancestry = list(reversed(origin.ancestor_ids())) if origin else []
    facts = CaseFacts(ancestry, origin.sector if origin else None, case.event_type, case.reporter_kind)
    org_id, rule_id = choose_handling_org(facts, active_rules(), orgs_with_risk_manager(ancestry))
    case.handling_org = db.session.get(Organisation, org_id) if org_id else None
    case.routing_rule_id = rule_id
    if case.owning_org_id is None and case.handling_org is not None:
        case.owning_org = case.handling_org
