"""The reporter's pages: the report forms (staff and public), the receipt, the status look-up, own reports."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from uth.clock import utcnow
from uth.errors import Invalid, NotFound
from uth.extensions import db, limiter, public_limit
from uth.reports.forms import report_from_form
from uth.reports.services import case_by_receipt, own_reports, submit_report
from uth.reports.validation import parse_report
from uth.taxonomy.services import terms
from uth.web import org_choices

bp = Blueprint("reports", __name__)


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
@public_limit
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


@bp.route("/public/status", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def status_page():
    """Look up a report's status by receipt code. The code is posted (with CSRF), never put in the
    URL: a URL lands in access logs, proxy logs and the browser's history. A GET that still carries
    `?code=` (an old link) is sent to the bare page, so the code does not stay in the address bar."""
    if request.method == "GET":
        if request.args.get("code") is not None:
            return redirect(url_for("reports.status_page"), 303)
        return render_template("reports/status.html", case=None, code="", not_found=False)
    code = (request.form.get("code") or "").strip()
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
