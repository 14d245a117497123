"""Analyses of serious cases: who may see and change them, creation, linking and status (SPEC §9)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import Select, bindparam, exists, select

from uth import fields
from uth.audit.services import record
from uth.auth.models import User
from uth.errors import Forbidden, Invalid, InvalidTransition, NotFound
from uth.extensions import db, read
from uth.i18n import N_, lazy_gettext, message
from uth.rca import workflow
from uth.rca.models import METHODS, PARTS, ActionItem, Analysis, ContributingFactor, analysis_cases
from uth.notifications.services import central_risk_managers_above, risk_managers_of
from uth.rca.presenters import ordered_timeline, review_warnings
from uth.reports.models import Case
from uth.reports.services import add_event, get_visible_case
from uth.reports.severity import SERIOUS_SEVERITIES
from uth.reports.visibility import FULL, LIMITED, case_view_level, view_level_in, visible_cases_clause


def may_contribute(actor: User, case: Case) -> bool:
    """The handling organisation's risk managers; for a cross-sector case also the involved
    organisations' risk managers, who share the analysis (SPEC §9)."""
    level = case_view_level(actor, case)
    return level == FULL or (level == LIMITED and case.cross_sector)


def visible_analyses_clause(actor: User):
    """SQL: analyses linked to at least one case the actor may open (full or limited)."""
    return Analysis.cases.any(visible_cases_clause(actor))


def linked_cases(actor: User, analysis: Analysis) -> tuple[list[Case], int]:
    """The analysis's cases the actor may open, and how many others it has: a shared (aggregated or
    cross-sector) analysis names no reference or title of a case outside the viewer's scope."""
    visible = [case for case in analysis.cases if case_view_level(actor, case) is not None]
    return visible, len(analysis.cases) - len(visible)


def get_analysis(actor: User, analysis_id: int) -> Analysis:
    """An analysis the actor may see, or NotFound (also when it exists outside scope)."""
    analysis = db.session.scalar(select(Analysis).where(Analysis.id == analysis_id, visible_analyses_clause(actor)))
    if analysis is None:
        raise NotFound(message("Analysen findes ikke"))
    return analysis


def can_edit(actor: User, analysis: Analysis) -> bool:
    """True when the actor may add to and move the analysis (through any of its cases)."""
    return any(may_contribute(actor, case) for case in analysis.cases)


def require_edit(actor: User, analysis: Analysis) -> None:
    """Forbidden for a viewer who only reads; 409 once the analysis is approved."""
    if not can_edit(actor, analysis):
        raise Forbidden(message("Du kan se analysen, men ikke ændre den"))
    if not workflow.is_editable(analysis.status):
        raise InvalidTransition(message("En godkendt analyse kan ikke ændres"))


def analyses_of_case(actor: User, case: Case) -> list[Analysis]:
    """The analyses a (visible) case belongs to, oldest first."""
    return list(db.session.scalars(
        select(Analysis).where(Analysis.cases.any(Case.id == case.id)).order_by(Analysis.id)))


# Each link of the cases to an analysis, with whether that analysis has an open action item past its
# due date: built once (the ids and the day bound per call), so SQLAlchemy keys it once per process.
_MARKS = select(analysis_cases.c.case_id, exists().where(
    ActionItem.analysis_id == analysis_cases.c.analysis_id,
    ActionItem.status.in_(workflow.OPEN_ACTION_STATUSES), ActionItem.due_on < bindparam("today"),
)).where(analysis_cases.c.case_id.in_(bindparam("ids", expanding=True)))


def analysis_marks(case_ids: list[int], today) -> tuple[set[int], set[int]]:
    """(which of these cases belong to an analysis, which have an analysis with an open action item
    past its due date) in one query: the queue's marks."""
    if not case_ids:
        return set(), set()
    analysed, overdue = set(), set()
    for case_id, late in read(_MARKS, {"ids": case_ids, "today": today}):
        analysed.add(case_id)
        if late:
            overdue.add(case_id)
    return analysed, overdue


def queue_marks(scope, cases, today) -> tuple[set[int], set[int]]:
    """For the queue, given the viewer's `scope_key`: (where an analysis is wanted and none exists — an
    open serious case that the viewer handles, not a closed or rejected one, not one they are only
    involved in —, which cases have overdue actions)."""
    analysed, overdue = analysis_marks([c.id for c in cases], today)
    return ({c.id for c in cases if c.severity in SERIOUS_SEVERITIES and c.is_open and c.id not in analysed
             and view_level_in(scope, c) == FULL}, overdue)


def approved_contributing_factors(case_ids: list[int] | Select) -> dict[int, list[str]]:
    """case id -> contributing factor codes of the approved analyses it belongs to, in entry order
    (what the FHIR AdverseEvent carries: SPEC §22); `case_ids` a list or a select of ids."""
    if isinstance(case_ids, list) and not case_ids:
        return {}
    rows = db.session.execute(
        select(analysis_cases.c.case_id, ContributingFactor.code)
        .join(Analysis, Analysis.id == analysis_cases.c.analysis_id)
        .join(ContributingFactor, ContributingFactor.analysis_id == Analysis.id)
        .where(analysis_cases.c.case_id.in_(case_ids), Analysis.status == workflow.APPROVED)
        .order_by(analysis_cases.c.case_id, Analysis.id, ContributingFactor.id))
    out: dict[int, list[str]] = {}
    for case_id, code in rows:
        out.setdefault(case_id, []).append(code)
    return out


def create_analysis(actor: User, case: Case, method: str, *, now: datetime, title: str | None = None) -> Analysis:
    """Start an analysis of a case; its handling organisation is the case's."""
    if not may_contribute(actor, case):
        raise Forbidden(message("Du kan ikke starte en analyse af denne sag"))
    errors: dict = {}
    method = fields.choice({"method": method}, "method", METHODS, errors)
    if method is None and "method" not in errors:
        errors["method"] = [message("Skal være en af: %(choices)s", choices=", ".join(METHODS))]
    title = fields.text({"title": title}, "title", errors, max_len=200) or case.title
    fields.raise_if(errors)
    analysis = Analysis(method=method, title=title, status=workflow.DRAFT, handling_org_id=case.handling_org_id,
                        created_at=now, updated_at=now, created_by_id=actor.id)
    analysis.cases.append(case)
    db.session.add(analysis)
    db.session.flush()
    add_event(case, actor, "analysis_started", now=now, analysis_id=analysis.id, method=method)
    record(actor, "analysis.created", now=now, case=case, obj=analysis, detail={"method": method})
    return analysis


def link_case(actor: User, analysis: Analysis, reference: str, *, now: datetime) -> Case:
    """Add another case the actor may see to the analysis (an aggregated analysis of several)."""
    require_edit(actor, analysis)
    try:
        case = get_visible_case(actor, reference.strip() if isinstance(reference, str) else "")
    except NotFound:
        raise Invalid({"reference": [message("Ukendt sag")]}) from None
    if case in analysis.cases:
        raise Invalid({"reference": [message("Sagen er allerede med i analysen")]})
    analysis.cases.append(case)
    analysis.updated_at = now
    add_event(case, actor, "analysis_linked", now=now, analysis_id=analysis.id)
    record(actor, "analysis.case_linked", now=now, case=case, obj=analysis)
    db.session.flush()
    return case


def remove_entry(actor: User, analysis: Analysis, part: str, entry_id: int, *, now: datetime) -> None:
    """Remove one entry of a part (to correct a mistake) while the analysis is not approved;
    the remaining timeline entries keep consecutive positions 1..n."""
    entries = getattr(analysis, part) if part in PARTS else []
    entry = next((e for e in entries if e.id == entry_id), None)
    if entry is None:
        raise NotFound(message("Punktet findes ikke"))
    require_edit(actor, analysis)
    entries.remove(entry)  # the delete-orphan cascade deletes the row
    if part == "timeline":
        for position, other in enumerate(ordered_timeline(analysis), start=1):
            other.position = position
    analysis.updated_at = now
    record(actor, "analysis.entry_removed", now=now, case=analysis.cases[0], obj=analysis,
           detail={"part": part, "entry_id": entry_id})
    db.session.flush()


def contents(analysis: Analysis) -> workflow.Contents:
    """What the status rules look at."""
    complete = sum(1 for a in analysis.action_items if a.responsible and a.due_on and a.status != workflow.ActionStatus.CANCELLED)
    return workflow.Contents(len(analysis.timeline), len(analysis.causal_statements), complete)


def other_approvers(actor: User, analysis: Analysis) -> list[User]:
    """Risk managers other than `actor` who may approve the analysis (its handling organisation's own and
    the central ones above it)."""
    org = analysis.handling_org
    users = risk_managers_of(analysis.handling_org_id) + central_risk_managers_above(org)
    return [u for u in {u.id: u for u in users}.values() if u.id != actor.id and can_edit(u, analysis)]


def _approval_refusals(actor: User, analysis: Analysis, now: datetime) -> dict[str, list[str]]:
    """Why `actor` may not approve now: an action item due in the past (named), or being the author
    where someone else could approve (UTH_RCA_SEPARATE_APPROVER, default on)."""
    refusals: dict[str, list[str]] = {}
    overdue = [w["message_da"] for w in review_warnings(analysis, now) if w.get("blocks")]
    if overdue:
        refusals["action_items"] = overdue
    if (current_app.config.get("UTH_RCA_SEPARATE_APPROVER", True) and analysis.created_by_id == actor.id
            and other_approvers(actor, analysis)):
        refusals["approver"] = [N_("Analysen godkendes af en anden risikomanager end den, der har skrevet den")]
    return refusals


def set_status(actor: User, analysis: Analysis, status: str, *, now: datetime, reason: str | None = None) -> Analysis:
    """Move draft -> in_review -> approved, or decline back to draft with a `reason` (kept in the cases'
    history); 422 names what is missing, a past-due action item, or the author approving their own."""
    if status not in workflow.STATUSES:
        raise Invalid({"status": [message("Skal være en af: %(choices)s", choices=', '.join(workflow.STATUSES))]})
    if not can_edit(actor, analysis):
        raise Forbidden(message("Du kan se analysen, men ikke ændre den"))
    if not workflow.can_move(analysis.status, status):
        raise InvalidTransition(message("Status kan ikke skifte fra %(old)s til %(new)s", old=analysis.status, new=status))
    missing = workflow.missing_for(status, contents(analysis))
    if status == workflow.APPROVED:
        missing.update(_approval_refusals(actor, analysis, now))
    declined = analysis.status == workflow.IN_REVIEW and status == workflow.DRAFT
    if declined:
        errors: dict = {}
        reason = fields.text({"reason": reason}, "reason", errors, required=True, max_len=5000, label=lazy_gettext("Begrundelsen"))
        missing.update(errors)
    if missing:
        raise Invalid(missing, "Analysen mangler noget")
    previous, analysis.status, analysis.updated_at = analysis.status, status, now
    if status == workflow.APPROVED:
        analysis.approved_at, analysis.approved_by_id = now, actor.id
        for case in analysis.cases:
            add_event(case, actor, "analysis_approved", now=now, analysis_id=analysis.id)
    if declined:  # the reason may name someone: the cases' history (cleaned at anonymisation), not the audit
        for case in analysis.cases:
            add_event(case, actor, "analysis_declined", now=now, analysis_id=analysis.id, comment=reason)
    record(actor, "analysis.status", now=now, case=analysis.cases[0], obj=analysis,
           detail={"from": previous, "to": status, **({"comment_given": True} if declined else {})})
    db.session.flush()
    return analysis


def update_action_item_status(actor: User, analysis: Analysis, item_id: int, status: str, *, now: datetime) -> ActionItem:
    """Follow up an action: allowed also after approval, since that is when actions are carried out."""
    item = next((a for a in analysis.action_items if a.id == item_id), None)
    if item is None:
        raise NotFound(message("Tiltaget findes ikke"))
    if not can_edit(actor, analysis):
        raise Forbidden(message("Du kan se analysen, men ikke ændre den"))
    if status not in workflow.ACTION_STATUSES:
        raise Invalid({"status": [message("Skal være en af: %(choices)s", choices=', '.join(workflow.ACTION_STATUSES))]})
    previous, item.status, item.status_changed_at = item.status, status, now
    analysis.updated_at = now
    record(actor, "analysis.action_status", now=now, case=analysis.cases[0], obj=item,
           detail={"analysis_id": analysis.id, "from": previous, "to": status})
    db.session.flush()
    return item
