"""HTML pages of the rca feature: build an analysis step by step, and its printable report."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from uth.clock import utcnow
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import N_, code_label, gettext
from uth.rca import workflow
from uth.rca.workflow import ActionStatus
from uth.rca.models import METHODS, PARTS, Analysis
from uth.rca.parts import add_part
from uth.rca.presenters import action_overdue, ordered_timeline, review_warnings, statement_warnings, team_warnings
from uth.rca.services import (analyses_of_case, can_edit, other_approvers,
                              create_analysis, get_analysis, link_case, linked_cases, may_contribute, remove_entry,
                              set_status,
                              update_action_item_status)
from uth.reports.services import get_visible_case
from uth.reports.severity import SERIOUS_SEVERITIES
from uth.taxonomy.services import terms

bp = Blueprint("rca", __name__)


def method_label(method: str) -> str:
    """The method's name in the current language."""
    return code_label(METHODS, method)


@bp.app_template_global()
def case_analysis_box(case) -> dict:
    """What the case page shows about analyses: the prompt for a serious case, and links."""
    analyses = analyses_of_case(current_user, case)
    return {"analyses": analyses, "serious": case.severity in SERIOUS_SEVERITIES,
            "may_start": may_contribute(current_user, case), "methods": METHODS}


ANALYSIS_STATUS_LABELS = {workflow.DRAFT: N_("Kladde"), workflow.IN_REVIEW: N_("Til review"), workflow.APPROVED: N_("Godkendt")}
ACTION_STATUS_LABELS = {ActionStatus.PLANNED: N_("Planlagt"), ActionStatus.IN_PROGRESS: N_("I gang"),
                        ActionStatus.DONE: N_("Gennemført"), ActionStatus.CANCELLED: N_("Annulleret")}


def analysis_status_label(status: str) -> str:
    """An analysis status in the current language."""
    return code_label(ANALYSIS_STATUS_LABELS, status)


def action_status_label(status: str) -> str:
    """An action item status in the current language."""
    return code_label(ACTION_STATUS_LABELS, status)


def viewer_linked_cases(analysis: Analysis) -> tuple[list, int]:
    """The analysis's cases the viewer may open, and the count of the others (named nowhere)."""
    return linked_cases(current_user, analysis)


for _helper in (method_label, analysis_status_label, action_status_label, viewer_linked_cases):
    bp.add_app_template_global(_helper)


def render_analysis(analysis: Analysis, errors: dict | None = None, values: dict | None = None, status: int = 200):
    """The analysis page; `errors`/`values` are keyed by part so each form shows its own."""
    now = utcnow()
    return render_template(
        "rca/analysis.html", analysis=analysis, editable=can_edit(current_user, analysis),
        open_for_edit=workflow.is_editable(analysis.status), timeline=ordered_timeline(analysis),
        team_warnings=team_warnings(analysis), statement_warnings=statement_warnings,
        is_overdue=lambda item: action_overdue(item, now), strengths=terms("action_strengths"),
        factors=terms("contributing_factors"), action_statuses=workflow.ACTION_STATUSES,
        errors=errors or {}, values=values or {},
        review=review_warnings(analysis, now) if analysis.status == workflow.IN_REVIEW else [],
        declines=[e for e in (analysis.cases[0].events if analysis.cases else [])
                  if e.action == "analysis_declined" and (e.detail or {}).get("analysis_id") == analysis.id][-3:]
        if analysis.status == workflow.DRAFT else [],
        own_analysis=(analysis.status == workflow.IN_REVIEW and current_app.config.get("UTH_RCA_SEPARATE_APPROVER", True)
                      and analysis.created_by_id == current_user.id and bool(other_approvers(current_user, analysis))),
    ), status


@bp.post("/cases/<reference>/analyses")
@login_required
def start(reference: str):
    """Start an analysis from the case page."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    analysis = create_analysis(current_user, case, request.form.get("method", ""), now=now)
    db.session.commit()
    return redirect(url_for("rca.analysis_page", analysis_id=analysis.id))


@bp.get("/analyses/<id:analysis_id>")
@login_required
def analysis_page(analysis_id: int):
    """The analysis, step by step: team, timeline, causal statements, factors, action plan."""
    return render_analysis(get_analysis(current_user, analysis_id))


@bp.post("/analyses/<id:analysis_id>/parts/<part>")
@login_required
def add_entry(analysis_id: int, part: str):
    """Add one entry from a form; the page comes back with Danish field errors (422) if invalid."""
    now = utcnow()
    analysis = get_analysis(current_user, analysis_id)
    if part not in PARTS:
        return redirect(url_for("rca.analysis_page", analysis_id=analysis_id))
    data = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        add_part(current_user, analysis, part, data, now=now)
    except Invalid as err:
        db.session.rollback()
        return render_analysis(get_analysis(current_user, analysis_id), {part: err.errors}, {part: request.form}, 422)
    db.session.commit()
    return redirect(url_for("rca.analysis_page", analysis_id=analysis_id) + f"#{part}")


@bp.post("/analyses/<id:analysis_id>/parts/<part>/<id:entry_id>/delete")
@login_required
def remove(analysis_id: int, part: str, entry_id: int):
    """Remove one entry (the "Fjern" button) while the analysis is not approved."""
    now = utcnow()
    analysis = get_analysis(current_user, analysis_id)
    remove_entry(current_user, analysis, part, entry_id, now=now)
    db.session.commit()
    flash(gettext("Punktet er fjernet fra analysen."))
    return redirect(url_for("rca.analysis_page", analysis_id=analysis_id) + f"#{part}")


@bp.post("/analyses/<id:analysis_id>/cases")
@login_required
def add_case(analysis_id: int):
    """Link another case by its reference (an aggregated analysis)."""
    now = utcnow()
    analysis = get_analysis(current_user, analysis_id)
    try:
        link_case(current_user, analysis, request.form.get("reference", ""), now=now)
    except Invalid as err:
        db.session.rollback()
        return render_analysis(get_analysis(current_user, analysis_id), {"cases": err.errors}, {"cases": request.form}, 422)
    db.session.commit()
    return redirect(url_for("rca.analysis_page", analysis_id=analysis_id))


@bp.post("/analyses/<id:analysis_id>/status")
@login_required
def change_status(analysis_id: int):
    """Send to review, back to draft, or approve; 422 lists what is missing."""
    now = utcnow()
    analysis = get_analysis(current_user, analysis_id)
    try:
        set_status(current_user, analysis, request.form.get("status", ""), now=now, reason=request.form.get("reason"))
    except Invalid as err:
        db.session.rollback()
        return render_analysis(get_analysis(current_user, analysis_id), {"status": err.errors},
                               {"reason": request.form.get("reason", "")}, 422)
    db.session.commit()
    return redirect(url_for("rca.analysis_page", analysis_id=analysis_id))


@bp.post("/analyses/<id:analysis_id>/action_items/<id:item_id>")
@login_required
def action_status(analysis_id: int, item_id: int):
    """Follow up an action item (also after approval)."""
    now = utcnow()
    analysis = get_analysis(current_user, analysis_id)
    update_action_item_status(current_user, analysis, item_id, request.form.get("status", ""), now=now)
    db.session.commit()
    return redirect(url_for("rca.analysis_page", analysis_id=analysis_id) + "#action_items")


@bp.get("/analyses/<id:analysis_id>/report")
@login_required
def report(analysis_id: int):
    """A printable report (print stylesheet) of the analysis."""
    analysis = get_analysis(current_user, analysis_id)
    now = utcnow()
    return render_template("rca/report.html", analysis=analysis, timeline=ordered_timeline(analysis),
                           statement_warnings=statement_warnings, strengths=terms("action_strengths"),
                           is_overdue=lambda item: action_overdue(item, now), printed_at=now)
