"""Which organisation handles a case (SPEC §4): admin rules first, then the walk up the tree."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from uth.auth.models import Grant, Organisation, Role, User
from uth.extensions import db
from uth.routing.models import RoutingRule
from uth.routing.rules import CaseFacts, Rule, choose_handling_org


def stored_rule(r: RoutingRule) -> Rule:
    """A stored rule as the pure value routing tries."""
    return Rule(r.id, r.priority, r.target_org_id, r.event_org_id, r.sector, r.event_type_prefix, r.reporter_kind)


SNAPSHOT = "routing_snapshot"  # session.info key: what routing read, kept while a snapshot lasts


@contextmanager
def routing_snapshot():
    """Within it, the active rules and which organisations have a risk manager are read once and
    reused: for a batch of cases routed where neither can change (an import in one transaction)."""
    db.session.info[SNAPSHOT] = {}
    try:
        yield
    finally:
        db.session.info.pop(SNAPSHOT, None)


def _snapshot(key: str, read):
    cache = db.session.info.get(SNAPSHOT)
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


def active_rules() -> list[Rule]:
    """Active admin rules as pure values."""
    return _snapshot("rules", lambda: [stored_rule(r) for r in db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)))])


def _with_risk_manager(*conditions) -> set[int]:
    return set(db.session.scalars(
        select(Grant.org_id).join(User, User.id == Grant.user_id)
        .where(*conditions, Grant.role == Role.RISK_MANAGER.value, Grant.active.is_(True), User.active.is_(True))))


def orgs_with_risk_manager(org_ids: list[int]) -> set[int]:
    """Which of these organisations have an active risk manager."""
    if not org_ids:
        return set()
    if db.session.info.get(SNAPSHOT) is not None:
        return _snapshot("risk_managers", lambda: _with_risk_manager(Grant.org_id.isnot(None))) & set(org_ids)
    return _with_risk_manager(Grant.org_id.in_(org_ids))


def case_facts(case) -> CaseFacts:
    """What routing looks at, from any object with `effective_org`, `event_type`, `reporter_kind`."""
    origin = case.effective_org
    ancestry = list(reversed(origin.ancestor_ids())) if origin else []
    return CaseFacts(ancestry, origin.sector if origin else None, case.event_type, case.reporter_kind)


def handling_org_for(case, rules: list[Rule] | None = None) -> tuple[int | None, int | None]:
    """(handling org id, rule id) routing would choose for the case with these rules (the active ones by default)."""
    facts = case_facts(case)
    return choose_handling_org(facts, active_rules() if rules is None else rules, orgs_with_risk_manager(list(facts.ancestry)))


def route(case) -> None:
    """Set the case's handling_org (rules, then the tree walk, then a catch-all rule, else unrouted)
    and, the first time, its owning org."""
    org_id, rule_id = handling_org_for(case)
    case.handling_org = db.session.get(Organisation, org_id) if org_id else None
    case.routing_rule_id = rule_id
    if case.owning_org_id is None and case.handling_org is not None:
        case.owning_org = case.handling_org
