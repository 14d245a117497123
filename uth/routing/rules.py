"""Pure routing: case facts + rules + which organisations have a risk manager → handling org (SPEC §4)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class CaseFacts:
    """What routing looks at: the event org's ancestry (nearest first), sector, type, reporter kind."""

    ancestry: Sequence[int]
    sector: str | None
    event_type: str | None
    reporter_kind: str


@dataclass(frozen=True)
class Rule:
    """An admin rule; None in a condition means 'any'."""

    id: int
    priority: int
    target_org_id: int
    event_org_id: int | None = None
    sector: str | None = None
    event_type_prefix: str | None = None
    reporter_kind: str | None = None


def type_is_under(event_type: str | None, prefix: str) -> bool:
    """The event type is the prefix's code or one below it in the dotted hierarchy (so `medicin`
    does not catch `medicinering.…`)."""
    return event_type is not None and (event_type == prefix or event_type.startswith(prefix + "."))


def rule_matches(rule: Rule, facts: CaseFacts) -> bool:
    """All of a rule's conditions hold for the case."""
    if rule.event_org_id is not None and rule.event_org_id not in facts.ancestry:
        return False
    if rule.sector is not None and rule.sector != facts.sector:
        return False
    if rule.event_type_prefix is not None and not type_is_under(facts.event_type, rule.event_type_prefix):
        return False
    if rule.reporter_kind is not None and rule.reporter_kind != facts.reporter_kind:
        return False
    return True


def is_catch_all(rule) -> bool:
    """A rule without conditions catches what nothing else routed: tried after the tree walk."""
    return all(c is None for c in (rule.event_org_id, rule.sector, rule.event_type_prefix, rule.reporter_kind))


def choose_handling_org(facts: CaseFacts, rules: Iterable[Rule], orgs_with_risk_manager: set[int]) -> tuple[int | None, int | None]:
    """(handling org id, matching rule id): rules with conditions by priority first, then the walk up
    the tree, then a catch-all rule (one without conditions), so it never swallows a routable case."""
    ordered = sorted(rules, key=lambda r: (r.priority, r.id))
    for rule in ordered:
        if not is_catch_all(rule) and rule_matches(rule, facts):
            return rule.target_org_id, rule.id
    for org_id in facts.ancestry:
        if org_id in orgs_with_risk_manager:
            return org_id, None
    for rule in ordered:
        if is_catch_all(rule):
            return rule.target_org_id, rule.id
    return None, None


def is_cross_sector(sectors: Iterable[str | None]) -> bool:
    """True when the handling and involved organisations span more than one sector."""
    return len({s for s in sectors if s}) > 1
