"""The risk manager's pages: the queue, the case page, its action forms and opening personal data."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from uth.anonymisation.scanner import PLACEHOLDERS, redact
from uth.anonymisation.services import case_texts
from uth.audit.services import record
from uth.auth.permissions import has_case_role
from uth.clock import utcnow
from uth.deadlines.rules import age_in_days, local_date
from uth.errors import Blocked, FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.handling.actions import editable, perform
from uth.handling.closing import CLOSE_TEXTS, DEFAULT_FEEDBACK, STATE_WORDS, check_close
from uth.handling.offers import (
    eligible_assignees,
    offered_actions,
    open_statements_for,
)
from uth.handling.queue_views import bulk_assignees, queue_rows, rows_html
from uth.handling.workflow import CLOSED, REJECTED
from uth.i18n import action_label, gettext
from uth.reports.filters import filters_from_args
from uth.reports.personal_data import (
    PURPOSES,
    holds_personal_data,
    purpose_text,
    record_view,
    shows_patient,
)
from uth.reports.presenters import days_to_close, overdue_names
from uth.reports.queries import queue_with_counts
from uth.reports.services import get_visible_case
from uth.reports.severity import downgrade_ranks
from uth.reports.visibility import (
    FULL,
    can_handle,
    can_see_patient,
    can_see_reporter,
    case_view_level,
)
from uth.search.similar import similar_cases, suggested_event_type
from uth.taxonomy.services import terms
from uth.web import org_choices, org_filter_choices, page_arg

bp = Blueprint("handling", __name__)
PER_PAGE = 50
PURPOSES_KEY = "personal_data_purposes"  # session: case id -> the purpose given this session


@bp.context_processor
def _close_words() -> dict:
    return {"placeholder": lambda kind: PLACEHOLDERS.get(kind, ""), "state_words": STATE_WORDS}


@bp.get("/cases")
@login_required
def queue_page():
    """The risk manager's morning queue: open cases by default, nearest deadline first, the counters
    that filter, and one form to acknowledge or assign several cases at once."""
    if not has_case_role(current_user):
        abort(404)
    now = utcnow()
    today = local_date(now)
    try:
        filters = filters_from_args(request.args, current_user, today=today, default_status="open")
    except Invalid:
        return redirect(url_for("handling.queue_page"))
    page = page_arg(request.args)
    actor = current_user._get_current_object()  # not the proxy for each of the ~200 look-ups a page makes
    cases, total, counts = queue_with_counts(actor, filters, today=today, page=page, per_page=PER_PAGE)
    rows = queue_rows(actor, cases, now)
    return render_template("cases/queue.html", rows=rows, rows_html=rows_html(actor, rows, today), total=total,
                           page=page, per_page=PER_PAGE, args=request.args, status=request.args.get("status", "open"),
                           orgs=org_filter_choices(), counts=counts,
                           assignees=bulk_assignees([r.case for r in rows if r.handles]))


BULK_ACTIONS = ("acknowledge", "assign")


@bp.post("/cases/bulk")
@login_required
def bulk_action():
    """Acknowledge or assign the ticked cases: each one on its own (audited as if done on its page); a
    case that cannot take the action is skipped and named, the others are done."""
    if not has_case_role(current_user):
        abort(404)
    now = utcnow()
    action = request.form.get("bulk_action", "")
    references = request.form.getlist("case")
    back = _queue_url(request.form.get("back", ""))
    if action not in BULK_ACTIONS or not references:
        flash(gettext("Vælg mindst én sag og en handling."))
        return redirect(back)
    payload = {"assignee": request.form.get("assignee", "")} if action == "assign" else {}
    done, skipped = [], []
    for reference in dict.fromkeys(references):
        try:
            case = get_visible_case(current_user, reference)
            with db.session.begin_nested():
                perform(current_user, case, action, dict(payload), now=now)
            done.append(reference)
        except NotFound:
            skipped.append((reference, gettext("findes ikke")))
        except InvalidTransition:
            skipped.append((reference, gettext("ikke muligt i sagens status")))
        except Invalid as err:
            skipped.append((reference, "; ".join(gettext(m) for ms in err.errors.values() for m in ms)))
    db.session.commit()
    if done:
        flash(gettext("%(action)s: %(n)s sag(er).", action=action_label(action), n=len(done)))
    for reference, reason in skipped:
        flash(gettext("Sprunget over: %(reference)s (%(reason)s)", reference=reference, reason=reason))
    return redirect(back)


def _queue_url(query: str) -> str:
    """Back to the queue with the filters it was sent from (a query string only, never another address)."""
    query = query.lstrip("?")
    if not query or any(ch in query for ch in "/\\\r\n"):
        return url_for("handling.queue_page")
    return url_for("handling.queue_page") + "?" + query


@bp.get("/cases/<reference>")
@login_required
def case_page(reference: str):
    """One case: full view for the handling organisation, limited for involved ones."""
    return _render_case(reference)


def _render_case(reference: str, action_form: dict | None = None, status: int = 200):
    """The case page, audited as a view of personal data (SPEC §13), committed once."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    level = case_view_level(current_user, case)
    show_reporter = can_see_reporter(current_user, case)
    purpose = session.get(PURPOSES_KEY, {}).get(str(case.id))
    patient_shown = shows_patient(current_user, case, purpose)
    html = render_template(
        "cases/case.html", case=case, level=level, full=level == FULL,
        show_reporter=show_reporter, show_patient=can_see_patient(current_user, case),
        purpose=purpose if patient_shown else None, purposes=PURPOSES,
        action=action_panel(case, action_form), similar=similar_cases(current_user, case),
        overdue=overdue_names(case, now), today=local_date(now), days_to_close=days_to_close(case, now),
        age=age_in_days(case.received_at, now),
    )
    record_view(current_user, case, now=now, purpose=purpose if patient_shown else None,
                shown=["reporter"] if show_reporter else [])
    db.session.commit()
    return html, status


@bp.post("/cases/<reference>/personal-data")
@login_required
def choose_purpose(reference: str):
    """Record why the viewer opens the patient's data, once per case and session."""
    case = get_visible_case(current_user, reference)
    if not can_see_patient(current_user, case):
        abort(404)
    try:
        purpose = purpose_text(request.form.get("purpose"), request.form.get("purpose_text"))
    except Invalid:
        return redirect(url_for("handling.case_page", reference=reference) + "#patient")
    session[PURPOSES_KEY] = {**session.get(PURPOSES_KEY, {}), str(case.id): purpose}
    return redirect(url_for("handling.case_page", reference=reference) + "#patient")


def form_payload(form) -> dict:
    """The posted form as an action payload (the same shape the API takes)."""
    payload = {key: value for key, value in form.items() if key not in ("csrf_token", "action", "not_personal", "back")}
    payload["not_personal"] = form.getlist("not_personal")
    return payload


@bp.post("/cases/<reference>/actions")
@login_required
def case_action(reference: str):
    """Run one action from the case page; re-show the page with the errors (422) or the refusal (409)."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    action = request.form.get("action", "")
    try:
        perform(current_user, case, action, form_payload(request.form), now=now)
    except (Invalid, FindingsError, InvalidTransition, Blocked) as err:
        db.session.rollback()
        form = {"action": action, "values": request.form, "errors": getattr(err, "errors", {}),
                "findings": getattr(err, "findings", []),
                "message": _refusal(err)}
        return _render_case(reference, form, err.status)
    db.session.commit()
    flash(gettext("Udført: %(action)s", action=action_label(action)))
    if case_view_level(current_user, case) is None:
        return redirect(url_for("handling.queue_page"))
    if request.form.get("back") == "close" and case.is_open:
        return redirect(url_for("handling.close_page", reference=reference))
    anchor = "#dialogue" if action == "message_reporter" else ""
    return redirect(url_for("handling.case_page", reference=reference) + anchor)


def _refusal(err) -> str | None:
    """The refusal said above the actions: a wrong state, or every blocker of a close."""
    if isinstance(err, Blocked):
        return f"{gettext(err.message)}: " + "; ".join(b["message"] for b in err.blockers)
    return err.message if isinstance(err, InvalidTransition) else None


def next_step(case, offered: set[str]) -> str | None:
    """The action a case most likely needs now: acknowledge, assign, classify, then close (issue 12)."""
    if "acknowledge" in offered:
        return "acknowledge"
    if "assign" in offered and case.assignee is None:
        return "assign"
    if "classify" in offered and not case.event_type:
        return "classify"
    if "close" in offered:
        return "close"
    return None


def action_panel(case, state: dict | None = None) -> dict:
    """What the action forms need: the offered actions for this viewer, the next likely one and the lists to pick from."""
    offered = offered_actions(current_user, case)
    assignees = eligible_assignees(case) if "assign" in offered else []
    return {
        "offered": offered,
        "next": next_step(case, offered),
        "assign_me": any(u.id == current_user.id for u in assignees) and case.assignee_id != current_user.id,
        "form": state or {"action": None, "values": {}, "errors": {}, "findings": [], "message": None},
        "assignees": assignees,
        "statements": open_statements_for(current_user, case) if "respond" in offered else [],
        "orgs": org_choices() if offered & {"transfer", "request_statement"} else [],
        "event_types": terms("event_types") if "classify" in offered else [],
        "actual_consequences": terms("actual_consequences") if "classify" in offered else [],
        "possible_consequences": terms("possible_consequences") if "classify" in offered else [],
        "reject_reasons": terms("reject_reasons") if "reject" in offered else [],
        "downgrade": downgrade_ranks(case.severity) if "classify" in offered else None,
        "suggestion": suggested_event_type(current_user, case) if "classify" in offered and not case.event_type else None,
    }


CLASSIFY_FIELDS = ("event_type", "actual_consequence", "possible_consequence")
TEXT_PREFIX = "text:"  # the close page's in-place edit of a case text with findings ("text:description")


@bp.route("/cases/<reference>/close", methods=["GET", "POST"])
@login_required
def close_page(reference: str):
    """One close page: every blocker at once in words, the classification and the text edits on the same
    form, a finding replaced in place (`replace`), everything typed kept until the case closes."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    if not can_handle(current_user, case):
        abort(404)
    if case.status in (CLOSED, REJECTED):
        return redirect(url_for("handling.case_page", reference=reference))
    form = request.form if request.method == "POST" else {}
    stored = case_texts(case)
    values = {"conclusion": case.conclusion or "", "learning": case.learning or "", "feedback": DEFAULT_FEEDBACK,
              **{k: getattr(case, k) or "" for k in CLASSIFY_FIELDS},
              **{k: v for k, v in form.items() if k in CLOSE_TEXTS or k in CLASSIFY_FIELDS or k == "reason"}}
    edits = {k[len(TEXT_PREFIX):]: v for k, v in form.items() if k.startswith(TEXT_PREFIX) and editable(k[len(TEXT_PREFIX):])}
    payload = {**{k: values[k] for k in CLOSE_TEXTS}, "not_personal": form.getlist("not_personal") if form else []}
    errors: dict[str, list[str]] = {}
    status = 200
    if "replace" in form:
        edits, values = _replace(case, form.get("replace", ""), payload, edits, values)
        payload.update({k: values[k] for k in CLOSE_TEXTS})
    elif form:
        try:
            _classify_and_edit(case, form, edits, stored, errors, now)
            if not errors:
                perform(current_user, case, "close", payload, now=now)
                db.session.commit()
                flash(gettext("Udført: %(action)s", action=action_label("close")))
                return redirect(url_for("handling.case_page", reference=reference))
        except Blocked:
            pass
        status = 422
    check = check_close(case, payload, overrides=edits)
    check.errors = {**check.errors, **errors}
    if "replace" in form and form.get("event_type"):  # chosen on this form: classified when the case closes
        check.errors = {k: v for k, v in check.errors.items() if k not in ("event_type", "severity")}
    if not form:  # nothing typed yet: the texts the form asks for are not blockers to show
        check.errors = {k: v for k, v in check.errors.items() if k not in ("conclusion", "learning")}
    if status != 200:
        status = 409 if check.state_blocked else 422
    found_fields = {item.finding.field for item in check.found}
    edit_fields = [n for n in stored if editable(n) and (n in found_fields or n in edits)]
    html = render_template(
        "cases/close.html", case=case, check=check, values=values, not_personal=set(payload["not_personal"]),
        edit_fields=edit_fields, edit_values={n: edits.get(n, stored.get(n) or "") for n in edit_fields},
        classify=bool(not case.event_type or not case.severity or errors.keys() & set(CLASSIFY_FIELDS)
                      or any(k in form for k in CLASSIFY_FIELDS)),
        replaced=form.get("replace"), event_types=terms("event_types"), today=local_date(now),
        assign_me=check.state in ("new", "acknowledged") and any(u.id == current_user.id for u in eligible_assignees(case)),
        actual_consequences=terms("actual_consequences"), possible_consequences=terms("possible_consequences"))
    db.session.rollback()  # a refused close keeps nothing of its classification or edits
    if check.found or holds_personal_data(case):
        record(current_user, "case.viewed", now=now, case=case,
               detail={"reference": case.reference, "shown": ["close_check"], "findings": len(check.found)})
    db.session.commit()
    return html, status


def _classify_and_edit(case, form, edits: dict, stored: dict, errors: dict, now) -> None:
    """The classification and the text edits typed on the close page, as the classify and edit actions;
    their input errors are collected (nothing changed by a refused one)."""
    given = {k: form.get(k, "") for k in CLASSIFY_FIELDS if k in form}
    if given and any((getattr(case, k) or "") != v for k, v in given.items()):
        given.update({"reason": form["reason"]} if form.get("reason") else {})  # a lower severity needs one (SPEC §21)
        try:
            perform(current_user, case, "classify", given, now=now)
        except Invalid as err:
            errors.update(err.errors)
    changed = {n: v for n, v in edits.items() if v.strip() != (stored.get(n) or "").strip()}
    if changed:
        try:
            perform(current_user, case, "edit", changed, now=now)
        except Invalid as err:
            errors.update({f"{TEXT_PREFIX}{k}": v for k, v in err.errors.items()})


def _replace(case, which: str, payload: dict, edits: dict, values: dict) -> tuple[dict, dict]:
    """Replace one finding (by id) or every finding ("all") by its placeholder in the typed texts; saves nothing."""
    check = check_close(case, payload, overrides=edits)
    texts = case_texts(case, {**edits, **{k: values[k] for k in CLOSE_TEXTS}})
    chosen = [item.finding for item in check.found if which in ("all", item.finding.id)]
    edits, values = dict(edits), dict(values)
    for name in {f.field for f in chosen}:
        new = redact(texts[name] or "", [f for f in chosen if f.field == name])
        if name in CLOSE_TEXTS:
            values[name] = new
        elif editable(name):
            edits[name] = new
    return edits, values
