"""The reporter's pages: the report forms (staff and public), the receipt, the status look-up, own reports."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from uth.clock import LOCAL_TZ, utcnow
from uth.errors import Invalid, InvalidTransition, NotFound
from uth.extensions import (
    CSRF_MESSAGE,
    commit_keeping_state,
    db,
    limiter,
    login_manager,
    public_limit,
)
from uth.i18n import gettext as _
from uth.i18n import lazy_gettext as _l
from uth.learning.services import similar_summaries
from uth.reports.dialogue import own_case, reporter_writes, status_text
from uth.reports.forms import report_from_form
from uth.reports.models import Case
from uth.reports.places import Places, staff_label
from uth.reports.services import case_by_receipt, own_reports, submit_report
from uth.reports.validation import parse_report
from uth.search.similar import case_text
from uth.taxonomy.services import terms
from uth.web import org_choices, sign_in_again

bp = Blueprint("reports", __name__)
LEARNED_SHOWN = 3  # published learning shown beside a new report (SPEC §20): a few, most similar first


@bp.context_processor
def _reporter_texts():
    return {"status_text": status_text}


# Every field of the report forms with its label, in the order the form shows them: the error summary
# names fields by these labels in this order (SPEC §18), and the template labels the fields with them.
STAFF_LABELS = {
    "occurred_at": _l("Hvornår skete det?"),
    "occurred_at_precision": _l("Tidspunktet er"),
    "event_org": _l("Hvor skete det?"),
    "title": _l("Overskrift"),
    "description": _l("Hvad skete der?"),
    "actual_consequence": _l("Hvad betød det for patienten?"),
    "possible_consequence": _l("Hvad kunne det have ført til?"),
    "event_type": _l("Hændelsestype"),
    "consequence": _l("Konsekvens for patienten med dine egne ord"),
    "prevention": _l("Forslag til forebyggelse"),
    "transition_type": _l("Type af overgang"),
    "transition_from_org": _l("Fra"),
    "transition_to_org": _l("Til"),
    "involved_orgs": _l("Andre involverede organisationer"),
    "patient_cpr": _l("CPR-nummer"),
    "patient_name": _l("Navn"),
    "medication_name": _l("Lægemiddel (handelsnavn)"),
    "medication_atc": _l("ATC-kode"),
    "medication_route": _l("Administrationsvej"),
    "device_type": _l("Udstyrstype"),
    "device_model": _l("Model"),
    "reporting_org": _l("Indberettet fra"),
    "reporter_profession": _l("Profession"),
    "reporter_phone": _l("Telefon"),
}
# The same where home care reports: the person is a citizen ("borger"), not a patient.
CITIZEN_LABELS = {**STAFF_LABELS, "actual_consequence": _l("Hvad betød det for borgeren?"),
                  "consequence": _l("Konsekvens for borgeren med dine egne ord")}
PUBLIC_LABELS = {**{k: v for k, v in STAFF_LABELS.items() if k not in ("event_type", "reporting_org")
                    and not k.startswith(("medication", "device", "reporter"))},
                 "actual_consequence": _l("Hvad betød det for patienten eller borgeren?"),
                 "consequence": _l("Hvad betød det med dine egne ord?"),
                 "prevention": _l("Hvad kunne have forhindret det?"),
                 "transition_type": _l("Hvilket skift?"),
                 "involved_orgs": _l("Andre steder, der var med"),
                 "reporter_profession": _l("Jeg er"), "reporter_name": _l("Navn"),
                 "reporter_email": _l("E-mail"), "reporter_phone": _l("Telefon")}
# The optional sections and their fields: a section opens by itself when a field in it holds a value
# or an error (nothing the reporter typed is hidden).
SECTIONS = {
    "more": ("consequence", "prevention"),
    "transition": ("transition_type", "transition_from_org", "transition_to_org"),
    "involved": ("involved_orgs_org", "involved_orgs"),
    "patient": ("patient_cpr", "patient_name"),
    "medication": ("medication_name", "medication_atc", "medication_route"),
    "device": ("device_type", "device_model"),
    "reporter": ("reporting_org", "reporter_profession", "reporter_name", "reporter_email", "reporter_phone",
                 "reporter_anonymous"),
}


def error_summary(errors: dict, labels: dict) -> list[tuple[str, object, list]]:
    """(field, label, messages) in the form's order; a field the form does not show comes last under its name."""
    order = list(labels)
    ranked = sorted(errors, key=lambda name: order.index(name) if name in order else len(order))
    return [(name, labels.get(name, name), errors[name]) for name in ranked]


def open_sections(values, errors: dict, defaults: dict) -> dict[str, bool]:
    """Which optional sections show open: those holding something the reporter gave, or an error."""
    def given(name: str) -> bool:
        value = values.get(name)
        return bool(value and str(value).strip()) and value != defaults.get(name)
    return {section: any(given(f) or f in errors for f in fields) for section, fields in SECTIONS.items()}


def form_context(public: bool, citizen: bool = False) -> dict:
    """Lists and words the report form needs."""
    return {
        "orgs": org_choices(),
        "event_types": terms("event_types"),
        "transition_types": terms("transition_types"),
        "involved_roles": terms("involved_roles"),
        "public": public,
        "labels": PUBLIC_LABELS if public else (CITIZEN_LABELS if citizen else STAFF_LABELS),
        "precision_choices": [("known", _("Præcist")), ("estimated", _("Omtrent")), ("unknown", _("Ukendt"))],
        "actual_choices": [
            ("none", _("Ingen skade, eller det vides ikke endnu")),
            ("minor", _("Lettere skade, fx behov for ekstra observation eller behandling")),
            ("serious", _("Alvorlig skade, fx varigt mén eller livstruende")),
            ("fatal", _("Døde")),
        ],
        "possible_choices": [("none", _("Ingen skade")), ("minor", _("Lettere skade")),
                             ("serious_or_fatal", _("Alvorlig skade eller død"))],
        "profession_choices": [("patient", _("Patient")), ("pårørende", _("Pårørende"))],
        "person_title": _("Borgeren") if citizen else (_("Patienten eller borgeren") if public else _("Patienten")),
        "place_hint": _("Skriv navnet, fx afdelingen på hospitalet, hjemmeplejen, lægen eller apoteket, og vælg fra listen")
        if public else _("Skriv navn eller kode, eller vælg fra listen"),
        "title_hint": _("Kort, fx \"Forkert dosis givet\"") if not citizen else _("Kort, fx \"Medicin ikke givet\""),
    }


def local_now_input(now) -> str:
    """The moment as a datetime-local value in Copenhagen time (the form's default and its `max`)."""
    return now.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def staff_defaults(user) -> tuple[dict, bool]:
    """The staff form's defaults (where: the reporter's own unit) and whether they report on citizens."""
    values = {"occurred_at_precision": "known"}
    org = user.primary_org
    if org is not None:
        values["event_org"] = staff_label(org)
    return values, org is not None and org.sector == "kommune"


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report():
    """The staff report form. A report posted after the session ended is kept: the reporter signs in
    again on a page that carries it, and it is then submitted (SPEC §18, nothing typed is lost)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # a posted report is carried through signing in again
    values, citizen = staff_defaults(current_user)
    return _report_form(current_user, public=False, defaults=values, citizen=citizen)


@bp.route("/public/report", methods=["GET", "POST"])
@public_limit
def public_report():
    """The form for patients and relatives, without an account."""
    return _report_form(None, public=True, defaults=PUBLIC_DEFAULTS)


PUBLIC_DEFAULTS = {"occurred_at_precision": "known"}
RECEIPT_MINUTES = 30  # how long the receipt page can be shown again (a reload, the back button)


def _report_form(reporter, *, public: bool, defaults: dict, citizen: bool = False):
    """Show the form, or submit it: the receipt page on success, the form with field errors otherwise."""
    now = utcnow()
    errors, values = {}, {**defaults, "occurred_at": local_now_input(now)}
    if request.method == "POST":
        values = request.form
        try:
            data = parse_report(report_from_form(request.form), public=public, reporter=reporter, now=now)
            case, receipt = submit_report(reporter, data, now=now, public=public, attach=False)
            commit_keeping_state()
            session["receipt"] = {"reference": case.reference, "code": receipt, "at": now.isoformat(), "public": public}
            return redirect(url_for("reports.receipt_page"))
        except Invalid as err:
            errors = err.errors
    return render_form(public, values, errors, defaults, citizen=citizen, now=now), (422 if errors else 200)


PLACE_FIELDS = ("event_org", "transition_from_org", "transition_to_org", "reporting_org")  # the form's place pickers


def render_form(public: bool, values, errors: dict, defaults: dict, *, citizen: bool = False, now, notice=None) -> str:
    """The report form filled with `values`, its errors summarised by label in form order; with a
    notice the page shows a report the server kept (it wins over a draft in the browser)."""
    context = form_context(public, citizen)
    places = Places()
    picks = {name: places.picks(values[name], public=public) for name in PLACE_FIELDS if errors.get(name) and values.get(name)}
    return render_template("reports/new.html", errors=errors, picks=picks, summary=error_summary(errors, context["labels"]),
                           values=values, open=open_sections(values, errors, defaults), max_time=local_now_input(now),
                           notice=notice, kept=notice is not None,
                           draft_key=("public" if public else f"staff-{current_user.id}"), **context)


EXPIRED_REPORT = _l("Siden var udløbet, så din indberetning er ikke sendt endnu. Det, du skrev, er her stadig: tryk Indsend igen.")
EXPIRED_MESSAGE = _l("Siden var udløbet, så din besked er ikke sendt endnu. Det, du skrev, er her stadig: send den igen.")


@bp.errorhandler(CSRFError)
def expired_form(err):
    """An expired or missing CSRF token on a reporter's form keeps what was typed: the report form, or
    the page with the reply box, comes back filled in (a fresh token) with a word to send it again; a
    signed-out reporter signs in first."""
    endpoint = request.endpoint
    if endpoint == "reports.public_report":
        return render_form(True, request.form, {}, PUBLIC_DEFAULTS, now=utcnow(), notice=str(EXPIRED_REPORT)), 400
    if not current_user.is_authenticated and endpoint in ("reports.new_report", "reports.own_report_reply"):
        return sign_in_again()
    if endpoint == "reports.new_report":
        values, citizen = staff_defaults(current_user)
        return render_form(False, request.form, {}, values, citizen=citizen, now=utcnow(), notice=str(EXPIRED_REPORT)), 400
    if endpoint in ("reports.status_page", "reports.status_reply"):
        code = (request.form.get("code") or "").strip()
        case = None
        if endpoint == "reports.status_reply" and code:
            try:
                case = case_by_receipt(code)
            except NotFound:
                pass
        # the look-up itself is shown again with the code filled in: one more press of the button
        reply = _reply_state(text=request.form.get("text", ""), notice=str(EXPIRED_MESSAGE)) if case else _reply_state()
        return render_template("reports/status.html", case=case, code=code, not_found=False, reply=reply,
                               expired=case is None), 400
    if endpoint == "reports.own_report_reply":
        reply = _reply_state(text=request.form.get("text", ""), notice=str(EXPIRED_MESSAGE))
        return render_template("reports/own_report.html", case=own_case(current_user, request.view_args["reference"]),
                               reply=reply), 400
    return render_template("error.html", status=400, message=_(CSRF_MESSAGE)), 400


@bp.get("/reports/receipt")
def receipt_page():
    """The reference and receipt code right after a report; a reload shows them again for a while
    (RECEIPT_MINUTES), until the reporter says they are done or sends another report."""
    receipt = session.get("receipt")
    if receipt is not None and utcnow() - datetime.fromisoformat(receipt["at"]) > timedelta(minutes=RECEIPT_MINUTES):
        session.pop("receipt")
        receipt = None
    if receipt is None:
        return redirect(url_for("reports.status_page"))
    case = db.session.scalar(select(Case).where(Case.reference == receipt["reference"]))
    reader = current_user if current_user.is_authenticated else None
    learned = similar_summaries(reader, case_text(case), limit=LEARNED_SHOWN) if case is not None else []
    return render_template("reports/receipt.html", receipt=receipt, learned=learned)


@bp.post("/reports/receipt/done")
def receipt_done():
    """Forget the receipt in this browser (a shared computer shows it to nobody after)."""
    receipt = session.pop("receipt", None)
    if receipt is not None and not receipt.get("public") and current_user.is_authenticated:
        return redirect(url_for("reports.mine"), 303)
    return redirect(url_for("reports.public_report") if not current_user.is_authenticated else url_for("reports.new_report"), 303)


@bp.route("/public/status", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def status_page():
    """Look up a report by receipt code: what was reported, who handles it, the status in plain
    words, the expected date, the dialogue and a reply box (SPEC §19). The code is posted (with
    CSRF), never put in the URL: a URL lands in access logs, proxy logs and the browser's history. A
    GET that still carries `?code=` (an old link) is sent to the bare page, so the code does not stay
    in the address bar."""
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
    return render_template("reports/status.html", case=case, code=code, not_found=not_found,
                           reply=_reply_state()), (404 if not_found else 200)


@bp.post("/public/status/messages")
@public_limit
def status_reply():
    """The reporter answers a question or adds information by receipt code; counted with the public
    form. The page is shown again (the code is not put in a redirect's URL)."""
    code = (request.form.get("code") or "").strip()
    try:
        case = case_by_receipt(code)
    except NotFound:
        return render_template("reports/status.html", case=None, code=code, not_found=True), 404
    reply, status = _write(None, case)
    return render_template("reports/status.html", case=case, code=code, not_found=False, reply=reply), status


def _reply_state(**state) -> dict:
    return {"text": "", "errors": [], "refusal": None, "sent": False, "notice": None, **state}


def _write(actor, case):
    """Post the reporter's message: (reply form state, status code); committed when written."""
    text = request.form.get("text", "")
    try:
        reporter_writes(actor, case, {"text": text}, now=utcnow())
    except Invalid as err:
        db.session.rollback()
        return _reply_state(text=text, errors=err.errors.get("text", [])), 422
    except InvalidTransition as err:
        db.session.rollback()
        return _reply_state(text=text, refusal=err.message), 409
    db.session.commit()
    return _reply_state(sent=True), 200


@bp.get("/reports/mine")
@login_required
def mine():
    """The reporter's own reports as cards, each linking to its page."""
    return render_template("reports/mine.html", cases=own_reports(current_user))


@bp.get("/reports/mine/<reference>")
@login_required
def own_report(reference: str):
    """One of the reporter's own reports with the dialogue; 404 for anyone but its reporter. Right
    after a message was sent, the page says so (and the browser's draft of it is ended)."""
    sent = session.pop("reply_sent", None) == reference
    return render_template("reports/own_report.html", case=own_case(current_user, reference), reply=_reply_state(sent=sent))


@bp.post("/reports/mine/<reference>/messages")
@login_required
def own_report_reply(reference: str):
    """The staff reporter answers or adds information on their own report."""
    case = own_case(current_user, reference)
    reply, status = _write(current_user, case)
    if status == 200:
        session["reply_sent"] = reference
        return redirect(url_for("reports.own_report", reference=reference) + "#dialogue")
    return render_template("reports/own_report.html", case=case, reply=reply), status
