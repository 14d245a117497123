"""Routes a case to its handling organisation and keeps its involved organisations (SPEC §4)."""
from __future__ import annotations

from sqlalchemy import select

from uth.auth.models import Grant, Organisation, Role, User
from uth.extensions import db
from uth.reports.models import Case, CaseOrg
from uth.routing.models import RoutingRule
from uth.routing.rules import CaseFacts, Rule, choose_handling_org, is_cross_sector


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


def route(case: Case) -> None:
    """Set handling_org (rules, then the tree walk, else unrouted) and refresh involved orgs."""
    origin = case.effective_org
    ancestry = list(reversed(origin.ancestor_ids())) if origin else []
    facts = CaseFacts(ancestry, origin.sector if origin else None, case.event_type, case.reporter_kind)
    org_id, rule_id = choose_handling_org(facts, active_rules(), orgs_with_risk_manager(ancestry))
    case.handling_org = db.session.get(Organisation, org_id) if org_id else None
    case.routing_rule_id = rule_id
    if case.owning_org_id is None and case.handling_org is not None:
        case.owning_org = case.handling_org
    refresh_involved(case)


def refresh_involved(case: Case, extra: list[tuple[Organisation, str]] = ()) -> None:
    """Involved = transition from/to + listed organisations, minus the handling org; then cross_sector."""
    wanted: list[tuple[Organisation, str]] = [(link.org, link.role) for link in case.involved]
    wanted += list(extra)
    if case.transition_from_org is not None:
        wanted.append((case.transition_from_org, "involved"))
    if case.transition_to_org is not None:
        wanted.append((case.transition_to_org, "involved"))
    keep: dict[tuple[int, str], Organisation] = {}
    org_ids_seen: set[int] = set()
    for org, role in wanted:
        if case.handling_org is not None and org.id == case.handling_org.id:
            continue
        if role == "involved" and org.id in org_ids_seen:
            continue
        keep.setdefault((org.id, role), org)
        org_ids_seen.add(org.id)
    current = {(link.org_id, link.role): link for link in case.involved}
    for key, link in current.items():
        if key not in keep:
            case.involved.remove(link)
    for (org_id, role), org in keep.items():
        if (org_id, role) not in current:
            case.involved.append(CaseOrg(org=org, role=role))
    sectors = [case.handling_org.sector if case.handling_org else None] + [o.sector for o in keep.values()]
    case.cross_sector = is_cross_sector(sectors)
