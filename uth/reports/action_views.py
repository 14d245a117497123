"""The case page's action forms: they post here and run the same `perform` service as the API."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_login import current_user, login_required

from uth.anonymisation.services import purge_storage
from uth.auth.permissions import case_view_level
from uth.clock import utcnow
from uth.errors import FindingsError, Invalid, InvalidTransition
from uth.extensions import db
from uth.i18n import action_label, gettext
from uth.reports import views
from uth.reports.actions import PURGING_ACTIONS, perform
from uth.reports.handling import eligible_assignees, offered_actions, open_statements_for
from uth.reports.services import get_visible_case
from uth.taxonomy.services import terms

bp = views.bp


def form_payload(form) -> dict:
    """The posted form as an action payload (the same shape the API takes)."""
    payload = {key: value for key, value in form.items() if key not in ("csrf_token", "action", "not_personal")}
    payload["not_personal"] = form.getlist("not_personal")
    return payload


@bp.post("/cases/<reference>/actions")
@login_required
def case_action(reference: str):
    """Run one action from the case page; re-show the page with Danish errors (422) or the refusal (409)."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    action = request.form.get("action", "")
    try:
        perform(current_user, case, action, form_payload(request.form), now=now)
    except (Invalid, FindingsError, InvalidTransition) as err:
        db.session.rollback()
        g.action_form = {"action": action, "values": request.form, "errors": getattr(err, "errors", {}),
                         "findings": getattr(err, "findings", []),
                         "message": err.message if isinstance(err, InvalidTransition) else None}
        return views.case_page(reference), err.status
    db.session.commit()
    if action in PURGING_ACTIONS:
        purge_storage(case.id)
    flash(gettext("Udført: %(action)s", action=action_label(action)))
    if case_view_level(current_user, case) is None:
        return redirect(url_for("reports.queue_page"))
    return redirect(url_for("reports.case_page", reference=reference))


def action_panel(case) -> dict:
    """What the action forms need: the offered actions for this viewer and the lists to pick from."""
    offered = offered_actions(current_user, case)
    state = g.get("action_form") or {"action": None, "values": {}, "errors": {}, "findings": [], "message": None}
    return {
        "offered": offered,
        "form": state,
        "assignees": eligible_assignees(case) if "assign" in offered else [],
        "statements": open_statements_for(current_user, case) if "respond" in offered else [],
        "orgs": views.org_choices() if offered & {"transfer", "request_statement"} else [],
        "event_types": terms("event_types") if "classify" in offered else [],
        "actual_consequences": terms("actual_consequences") if "classify" in offered else [],
        "possible_consequences": terms("possible_consequences") if "classify" in offered else [],
        "reject_reasons": terms("reject_reasons") if "reject" in offered else [],
    }


@bp.app_context_processor
def _action_helpers() -> dict:
    return {"action_label": action_label, "action_panel": action_panel}
