"""Routing the open cases that reached nobody again, after a rule or a risk manager was added (SPEC §24)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from uth.audit.services import record
from uth.auth.models import Organisation, User
from uth.extensions import db
from uth.notifications.services import notify_new_case
from uth.reports.involved import refresh_involved
from uth.reports.models import Case
from uth.reports.queries import unrouted_cases
from uth.reports.services import add_event
from uth.routing.rules import Rule
from uth.routing.services import active_rules, handling_org_for, risk_manager_addresses

MAX_UNROUTED = 1000  # unrouted cases are few: each is announced to the admins


@dataclass
class Preview:
    """What a rule would do to the open unrouted cases: (case, target organisation) pairs."""

    routed: list[tuple[Case, Organisation]] = field(default_factory=list)
    still_unrouted: int = 0


def preview_rule(rule: Rule) -> Preview:
    """The open unrouted cases that the active rules plus `rule` would route through `rule`."""
    rules = [r for r in active_rules() if r.id != rule.id] + [rule]
    result = Preview()
    for case in unrouted_cases(MAX_UNROUTED):
        org_id, rule_id = handling_org_for(case, rules)
        if org_id is not None and rule_id == rule.id:
            result.routed.append((case, db.session.get(Organisation, org_id)))
        else:
            result.still_unrouted += 1
    return result


def route_unrouted(actor: User | str, *, now: datetime, rule_id: int | None = None) -> list[Case]:
    """Route the open unrouted cases again with the active rules (only those `rule_id` routes, when
    given); each routed case gets a history entry, an audit entry and the "new case" mail."""
    routed = []
    rules = active_rules()
    for case in unrouted_cases(MAX_UNROUTED):
        org_id, chosen = handling_org_for(case, rules)
        if org_id is None or (rule_id is not None and chosen != rule_id):
            continue
        org = db.session.get(Organisation, org_id)
        recipients = risk_manager_addresses(org.id)
        case.handling_org, case.routing_rule_id = org, chosen
        if case.owning_org_id is None:
            case.owning_org = org
        refresh_involved(case)
        add_event(case, actor if isinstance(actor, User) else None, "routed", now=now, handling_org=org.code)
        record(actor, "case.routed", now=now, case=case, detail={"handling_org": org.code, "rule": chosen})
        notify_new_case(case, recipients, now=now)
        routed.append(case)
    return routed
