"""Admin services for routing rules (SPEC §4, §24): add (checked), reorder, enable and disable."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from uth.audit.services import record
from uth.auth.models import SECTORS, User
from uth.auth.orgs import get_org
from uth.errors import Invalid, NotFound
from uth.extensions import db
from uth.i18n import message
from uth.routing.models import RoutingRule
from uth.routing.rules import Rule, is_catch_all, type_is_under
from uth.taxonomy.services import codes


def ordered_rules() -> list[RoutingRule]:
    """All rules in the order they are tried."""
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.priority, RoutingRule.id)))


def parse_rule(data: dict) -> dict:
    """The rule's fields from a form, checked; Invalid naming each bad field. A rule without
    conditions is a catch-all (tried after the tree walk) and must be asked for with `catch_all`."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [message("Navn skal udfyldes")]
    target = get_org(data.get("target_org"))
    if target is None:
        errors["target_org"] = [message("Vælg en kendt organisation")]
    event_org = get_org(data.get("event_org")) if data.get("event_org") else None
    if data.get("event_org") and event_org is None:
        errors["event_org"] = [message("Ukendt organisation")]
    sector = data.get("sector") or None
    if sector and sector not in SECTORS:
        errors["sector"] = [message("Ukendt sektor")]
    kind = data.get("reporter_kind") or None
    if kind and kind not in ("staff", "public"):
        errors["reporter_kind"] = [message("Skal være staff eller public")]
    prefix = (data.get("event_type_prefix") or "").strip() or None
    if prefix and not any(type_is_under(code, prefix) for code in codes("event_types")):
        errors["event_type_prefix"] = [message("Ingen hændelsestype begynder med dette (brug en kode fra listen)")]
    catch_all = str(data.get("catch_all") or "").lower() in ("1", "true", "on", "yes")
    if not any([event_org, sector, kind, prefix]) and not catch_all and not errors:
        errors["conditions"] = [message("Angiv mindst én betingelse, eller vælg at reglen fanger alle øvrige sager")]
    if errors:
        raise Invalid(errors)
    return {"name": name, "event_org": event_org, "sector": sector, "event_type_prefix": prefix,
            "reporter_kind": kind, "target_org": target}


def as_rule(fields: dict) -> Rule:
    """Parsed fields of a rule not yet saved, as the pure value routing tries (id 0, placed last)."""
    last = max((r.priority for r in ordered_rules()), default=0)
    return Rule(0, last + 10, fields["target_org"].id, fields["event_org"].id if fields["event_org"] else None,
                fields["sector"], fields["event_type_prefix"], fields["reporter_kind"])


def add_rule(actor: User, data: dict, *, now: datetime) -> RoutingRule:
    """A new rule, placed last."""
    fields = parse_rule(data)
    rules = ordered_rules()
    priority = (rules[-1].priority + 10) if rules else 10
    rule = RoutingRule(priority=priority, active=True, created_at=now, **fields)
    db.session.add(rule)
    db.session.flush()
    record(actor, "routing_rule.created", now=now, obj=rule, org_id=fields["target_org"].id,
           detail={"name": fields["name"], "catch_all": is_catch_all(rule)})
    return rule


def _get(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(message("Ukendt regel"))
    return rule


def set_active(actor: User, rule_id: int, active: bool, *, now: datetime) -> RoutingRule:
    """Enable or disable a rule without losing it."""
    rule = _get(rule_id)
    rule.active = active
    record(actor, "routing_rule.enabled" if active else "routing_rule.disabled", now=now, obj=rule, org_id=rule.target_org_id)
    return rule


def move(actor: User, rule_id: int, direction: str, *, now: datetime) -> None:
    """Swap a rule with its neighbour ('up' is tried earlier); priorities renumbered 10, 20, …"""
    rules = ordered_rules()
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        raise NotFound(message("Ukendt regel"))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for i, rule in enumerate(rules):
        rule.priority = (i + 1) * 10
    record(actor, "routing_rule.moved", now=now, obj=rules[other if 0 <= other < len(rules) else index],
           detail={"direction": direction})
