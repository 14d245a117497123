"""HTML pages: report forms, receipts, own reports, the queue and the case page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from uth.audit.services import record_case_view
from uth.auth.models import Organisation
from uth.auth.permissions import FULL, can_see_patient, can_see_reporter, case_view_level, has_case_role
from uth.clock import utcnow
from uth.deadlines.rules import age_in_days, local_date
from uth.errors import Invalid, NotFound
from uth.extensions import db, limiter
from uth.reports.filters import filters_from_args
from uth.reports.forms import report_from_form
from uth.reports.handling import open_statements_for
from uth.reports.presenters import days_to_close, next_deadline, overdue_names
from uth.reports.queries import queue
from uth.reports.services import case_by_receipt, get_visible_case, own_reports, submit_report
from uth.reports.validation import parse_report
from uth.taxonomy.services import terms

bp = Blueprint("reports", __name__)


def org_choices() -> list[Organisation]:
    """Every active organisation for the pickers (a datalist filters hundreds as you type)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)))


def form_context(public: bool) -> dict:
    """Lists the report form needs."""
    return {
        "orgs": org_choices(),
        "event_types": terms("event_types"),
        "transition_types": terms("transition_types"),
        "involved_roles": terms("involved_roles"),
        "actual_consequences": terms("actual_consequences"),
        "possible_consequences": terms("possible_consequences"),
        "precisions": terms("time_precisions"),
        "public": public,
    }


@bp.route("/reports/new", methods=["GET", "POST"])
@login_required
def new_report():
    """The staff report form; defaults to the reporter's primary organisation."""
    values = {}
    if current_user.primary_org:
        org = current_user.primary_org
        values = {"reporting_org": f"{org.code} — {org.name}", "occurred_at_precision": "known"}
    return _report_form(current_user, public=False, defaults=values)


@bp.route("/public/report", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["UTH_PUBLIC_REPORT_LIMIT"], methods=["POST"])
def public_report():
    """The form for patients and relatives, without an account."""
    return _report_form(None, public=True, defaults={})


def _report_form(reporter, *, public: bool, defaults: dict):
    """Show the form, or submit it: the receipt page on success, the form with Danish field errors otherwise."""
    errors, values = {}, defaults
    if request.method == "POST":
        values = request.form
        now = utcnow()
        try:
            data = parse_report(report_from_form(request.form), public=public, reporter=reporter, now=now)
            case, receipt = submit_report(reporter, data, now=now, public=public)
            db.session.commit()
            session["receipt"] = {"reference": case.reference, "code": receipt}
            return redirect(url_for("reports.receipt_page"))
        except Invalid as err:
            errors = err.errors
    return render_template("reports/new.html", errors=errors, values=values, **form_context(public)), (422 if errors else 200)


@bp.get("/reports/receipt")
def receipt_page():
    """Shows the reference and receipt code once, right after a report."""
    receipt = session.pop("receipt", None)
    if receipt is None:
        return redirect(url_for("reports.status_page"))
    return render_template("reports/receipt.html", receipt=receipt)


@bp.get("/public/status")
@limiter.limit("60 per minute")
def status_page():
    """Look up a report's status by receipt code."""
    code = (request.args.get("code") or "").strip()
    case, not_found = None, False
    if code:
        try:
            case = case_by_receipt(code)
        except NotFound:
            not_found = True
    return render_template("reports/status.html", case=case, code=code, not_found=not_found), (404 if not_found else 200)


@bp.get("/reports/mine")
@login_required
def mine():
    """The reporter's own reports, their status and feedback."""
    return render_template("reports/mine.html", cases=own_reports(current_user))


@bp.get("/cases")
@login_required
def queue_page():
    """The risk manager's queue, nearest deadline first."""
    if not has_case_role(current_user):
        abort(404)
    now = utcnow()
    try:
        filters = filters_from_args(request.args, current_user)
    except Invalid:
        return redirect(url_for("reports.queue_page"))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = 50
    cases, total = queue(current_user, filters, today=local_date(now), page=page, per_page=per_page)
    rows = [
        {"case": c, "level": case_view_level(current_user, c), "days_to_close": days_to_close(c, now),
         "age": age_in_days(c.received_at, now), "next": next_deadline(c), "overdue": overdue_names(c, now),
         "statement_wanted": bool(open_statements_for(current_user, c))}
        for c in cases
    ]
    return render_template("cases/queue.html", rows=rows, total=total, page=page, per_page=per_page,
                           args=request.args, orgs=org_choices())


@bp.get("/cases/<reference>")
@login_required
def case_page(reference: str):
    """One case: full view for the handling organisation, limited for involved ones."""
    now = utcnow()
    case = get_visible_case(current_user, reference)
    level = case_view_level(current_user, case)
    show_reporter = can_see_reporter(current_user, case)
    html = render_template(
        "cases/case.html", case=case, level=level, full=level == FULL,
        show_reporter=show_reporter, show_patient=can_see_patient(current_user, case),
        overdue=overdue_names(case, now), days_to_close=days_to_close(case, now), age=age_in_days(case.received_at, now),
    )
    if "personal_data_shown" not in g:  # opening the patient's data is audited with its purpose instead
        record_case_view(current_user, case, now=now, shown=["reporter"] if show_reporter else [])
        db.session.commit()
    return html


from uth.reports import action_views  # noqa: E402,F401  (registers the action routes on bp)
