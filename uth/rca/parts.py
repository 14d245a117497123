"""Adding entries to an analysis' parts (team, timeline, causal statements, factors, actions),
with the same validation for the API and the HTML forms."""
from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from uth import fields
from uth.audit.services import record
from uth.auth.models import User
from uth.clock import parse_datetime
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import message
from uth.rca.models import (
    PARTS,
    ActionItem,
    Analysis,
    CausalStatement,
    ContributingFactor,
    TeamMember,
    TimelineEntry,
)
from uth.rca.services import require_edit
from uth.rca.workflow import ACTION_STATUSES, ActionStatus
from uth.taxonomy.services import codes

TEXT_MAX = 5000
_TRUE, _FALSE = {"true", "1", "on", "yes", "ja"}, {"false", "0", "off", "no", "nej", ""}


_text = partial(fields.text, max_len=TEXT_MAX)  # the shared text rule, with the parts' shorter limit


def _bool(data: dict, key: str, errors: dict) -> bool:
    """A JSON boolean or a form checkbox value."""
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    errors.setdefault(key, []).append(message("Skal være sand eller falsk"))
    return False


def _date(data: dict, key: str, errors: dict) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when left out."""
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.setdefault(key, []).append(message("Ugyldig dato (ÅÅÅÅ-MM-DD)"))
        return None


MAX_POSITION = 10_000  # a place in the timeline: more entries than any analysis has


def _team(analysis: Analysis, data: dict, errors: dict) -> TeamMember:
    return TeamMember(name=_text(data, "name", errors, required=True, max_len=200),
                      role=_text(data, "role", errors, max_len=200), involved=_bool(data, "involved", errors))


def _timeline(analysis: Analysis, data: dict, errors: dict) -> TimelineEntry:
    at = parse_datetime(data.get("at"))
    if data.get("at") not in (None, "") and at is None:
        errors["at"] = [message("Ugyldig dato og tid (ISO 8601, fx 2026-11-20T14:30)")]
    time_text = _text(data, "time_text", errors, max_len=100)
    if data.get("at") in (None, "") and not time_text:
        errors["at"] = [message("Angiv et tidspunkt eller en tekst som 'om aftenen'")]
    text = _text(data, "text", errors, required=True)
    position = data.get("position")
    if position in (None, ""):
        position = None
    else:
        position = fields.whole_number(position, minimum=1, maximum=MAX_POSITION)
        if position is None:
            errors["position"] = [message("Skal være et helt tal fra 1 til %(max)s", max=MAX_POSITION)]
    return TimelineEntry(at=at, time_text=time_text, text=text, position=position)


def _place(analysis: Analysis, entry: TimelineEntry) -> None:
    """Without an explicit position a timed entry goes before the first later timed entry;
    anything else goes last."""
    if entry.position is None and entry.at is not None:
        later = [e for e in analysis.timeline if e.at is not None and e.at > entry.at]
        if later:
            entry.position = min(e.position for e in later)
    if entry.position is None:
        entry.position = max((e.position for e in analysis.timeline), default=0) + 1
    for other in analysis.timeline:
        if other.position >= entry.position:
            other.position += 1


def _causal(analysis: Analysis, data: dict, errors: dict) -> CausalStatement:
    return CausalStatement(**{k: _text(data, k, errors, required=True) for k in ("cause", "effect", "event")})


def _factor(analysis: Analysis, data: dict, errors: dict) -> ContributingFactor:
    code = data.get("code")
    if not code:
        errors["code"] = [message("Vælg en medvirkende faktor")]
    elif not isinstance(code, str) or code not in codes("contributing_factors"):
        errors["code"] = [message("Ukendt medvirkende faktor")]
    elif any(f.code == code for f in analysis.contributing_factors):
        errors["code"] = [message("Faktoren er allerede tilføjet")]
    return ContributingFactor(code=code, note=_text(data, "note", errors))


def _action(analysis: Analysis, data: dict, errors: dict) -> ActionItem:
    strength = data.get("strength")
    if not isinstance(strength, str) or strength not in codes("action_strengths"):
        errors["strength"] = [message("Vælg tiltagets styrke: stronger, intermediate eller weaker")]
    status = data.get("status") or ActionStatus.PLANNED
    if status not in ACTION_STATUSES:
        errors["status"] = [message("Skal være en af: %(choices)s", choices=', '.join(ACTION_STATUSES))]
    return ActionItem(
        text=_text(data, "text", errors, required=True), strength=strength,
        responsible=_text(data, "responsible", errors, max_len=200), due_on=_date(data, "due_on", errors),
        status=status, process_measure=_text(data, "process_measure", errors),
        outcome_measure=_text(data, "outcome_measure", errors))


# The fields each part's entry takes (the API refuses any other, naming it).
PART_FIELDS = {
    "team": ("name", "role", "involved"), "timeline": ("at", "time_text", "text", "position"),
    "causal_statements": ("cause", "effect", "event"), "contributing_factors": ("code", "note"),
    "action_items": ("text", "strength", "responsible", "due_on", "status", "process_measure", "outcome_measure"),
}
_BUILDERS = {"team": _team, "timeline": _timeline, "causal_statements": _causal,
             "contributing_factors": _factor, "action_items": _action}


def add_part(actor: User, analysis: Analysis, part: str, data: Any, *, now: datetime, strict: bool = False):
    """Validate and add one entry to a part; 422 with field errors, nothing half-written. `strict`
    (the API) refuses a field the part does not take, naming it."""
    if part not in _BUILDERS:
        raise Invalid({"part": [message("Skal være en af: %(choices)s", choices=', '.join(PARTS))]})
    require_edit(actor, analysis)
    if not isinstance(data, dict):
        raise Invalid({"body": ["Forventede et JSON-objekt"]})
    errors: dict[str, list[str]] = {}
    if strict:
        fields.unknown_fields(data, PART_FIELDS[part], errors)
    entry = _BUILDERS[part](analysis, data, errors)
    if errors:
        raise Invalid(errors)
    if part == "timeline":
        _place(analysis, entry)
    getattr(analysis, part).append(entry)
    analysis.updated_at = now
    db.session.flush()
    record(actor, f"analysis.{part}.added", now=now, case=analysis.cases[0], obj=analysis, detail={"entry_id": entry.id})
    return entry
