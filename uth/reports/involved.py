"""The organisations involved in a case besides the handling one, and whether it crosses sectors (SPEC §4)."""
from __future__ import annotations

from uth.auth.models import Organisation
from uth.reports.models import Case, CaseOrg
from uth.routing.rules import is_cross_sector


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
