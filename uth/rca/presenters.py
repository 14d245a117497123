"""The JSON shape of an analysis (SPEC §14) and the warnings the pages show beside each part."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from uth.deadlines.rules import is_overdue
from uth.rca.causation import check_causal_statement, check_team
from uth.rca.models import ActionItem, Analysis, CausalStatement, ContributingFactor, TeamMember, TimelineEntry
from uth.rca.workflow import OPEN_ACTION_STATUSES


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def statement_warnings(statement: CausalStatement) -> list[dict]:
    """The rules of causation that text can check, computed on read so improved rules apply."""
    return [asdict(w) for w in check_causal_statement(statement.cause, statement.effect, statement.event)]


def team_warnings(analysis: Analysis) -> list[dict]:
    """Remarks on the team's composition (size, involved members, patient representative)."""
    return [asdict(w) for w in check_team(analysis.method, [(m.role or "", m.involved) for m in analysis.team])]


def action_overdue(item: ActionItem, now: datetime) -> bool:
    """An open action item past the end of its due day."""
    return item.status in OPEN_ACTION_STATUSES and item.due_on is not None and is_overdue(item.due_on, now)


def review_warnings(analysis: Analysis, now: datetime) -> list[dict]:
    """The open warnings a reviewer must see before approving (issue 12): the team's composition (and a
    team of one), each causal statement's broken rules of causation, action items due in the past or
    without a responsible person or due date. Each: kind, level, message_da, message_en; `blocks`
    when approval is refused for it."""
    out: list[dict] = []
    size = len(analysis.team)
    if size < 2:
        out.append({"kind": "team", "level": "warning",
                    "message_da": f"Teamet har {size} medlem{'mer' if size != 1 else ''}: en analyse laves af flere.",
                    "message_en": f"The team has {size} member{'s' if size != 1 else ''}: an analysis is made by several people."})
    out += [{"kind": "team", **w} for w in team_warnings(analysis)]
    for number, statement in enumerate(analysis.causal_statements, start=1):
        for w in statement_warnings(statement):
            out.append({"kind": "causal_statement", "level": "warning", "statement_id": statement.id,
                        "message_da": f"Årsagssammenhæng {number}: {w['message_da']}",
                        "message_en": f"Causal statement {number}: {w['message_en']}"})
    for item in analysis.action_items:
        if action_overdue(item, now):
            out.append({"kind": "action_item", "level": "blocker", "action_item_id": item.id, "blocks": True,
                        "message_da": f"Tiltaget »{item.text}« har en tidsfrist i fortiden ({item.due_on:%d-%m-%Y}): "
                                      "ret fristen eller status før godkendelse.",
                        "message_en": f"The action »{item.text}« is due in the past ({item.due_on:%d-%m-%Y}): "
                                      "change its due date or status before approval."})
        elif item.status in OPEN_ACTION_STATUSES and not (item.responsible and item.due_on):
            out.append({"kind": "action_item", "level": "warning", "action_item_id": item.id,
                        "message_da": f"Tiltaget »{item.text}« mangler ansvarlig eller tidsfrist.",
                        "message_en": f"The action »{item.text}« has no responsible person or due date."})
    return out


def ordered_timeline(analysis: Analysis) -> list[TimelineEntry]:
    """Entries in sequence (positions may have shifted since the collection was loaded)."""
    return sorted(analysis.timeline, key=lambda e: (e.position, e.id or 0))


def team_member_json(m: TeamMember) -> dict:
    return {"id": m.id, "name": m.name, "role": m.role, "involved": m.involved}


def timeline_json(e: TimelineEntry) -> dict:
    return {"id": e.id, "at": _iso(e.at), "time_text": e.time_text, "position": e.position, "text": e.text}


def causal_statement_json(s: CausalStatement) -> dict:
    return {"id": s.id, "cause": s.cause, "effect": s.effect, "event": s.event, "warnings": statement_warnings(s)}


def contributing_factor_json(f: ContributingFactor) -> dict:
    return {"id": f.id, "code": f.code, "note": f.note}


def action_item_json(a: ActionItem, now: datetime | None = None) -> dict:
    data = {"id": a.id, "text": a.text, "strength": a.strength, "responsible": a.responsible,
            "due_on": _iso(a.due_on), "status": a.status, "process_measure": a.process_measure,
            "outcome_measure": a.outcome_measure}
    if now is not None:
        data["overdue"] = action_overdue(a, now)
    return data


PART_JSON = {"team": team_member_json, "timeline": timeline_json, "causal_statements": causal_statement_json,
             "contributing_factors": contributing_factor_json, "action_items": action_item_json}


def analysis_json(analysis: Analysis, now: datetime, cases: tuple[list, int]) -> dict:
    """The whole analysis with every part; causal statements carry their warnings. `cases`: the
    linked cases the caller may see and how many others there are (`linked_cases`)."""
    visible, others = cases
    return {
        "id": analysis.id,
        "method": analysis.method,
        "title": analysis.title,
        "status": analysis.status,
        "cases": [c.reference for c in visible],
        "other_cases": others,
        "handling_org": analysis.handling_org.code if analysis.handling_org else None,
        "created_at": _iso(analysis.created_at),
        "created_by": analysis.created_by.name if analysis.created_by else None,
        "approved_at": _iso(analysis.approved_at),
        "team": [team_member_json(m) for m in analysis.team],
        "team_warnings": team_warnings(analysis),
        "timeline": [timeline_json(e) for e in ordered_timeline(analysis)],
        "causal_statements": [causal_statement_json(s) for s in analysis.causal_statements],
        "contributing_factors": [contributing_factor_json(f) for f in analysis.contributing_factors],
        "action_items": [action_item_json(a, now) for a in analysis.action_items],
    }
