"""The anonymisation check page of a case: findings highlighted in the text, redact all (SPEC §5 close, §8)."""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from uth.anonymisation.scanner import redact
from uth.anonymisation.services import KIND_WORDS, case_texts, field_in, own_data, scan_case
from uth.audit.labels import field_label
from uth.audit.services import record
from uth.clock import utcnow
from uth.extensions import db
from uth.handling.actions import editable, perform
from uth.i18n import code_label, gettext
from uth.reports.personal_data import holds_personal_data
from uth.reports.services import get_visible_case
from uth.reports.visibility import can_handle
from uth.web import highlight

bp = Blueprint("anonymisation", __name__)


def _handled_case(reference: str):
    case = get_visible_case(current_user, reference)
    if not can_handle(current_user, case):
        abort(404)
    return case


@bp.get("/cases/<reference>/anonymisation")
@login_required
def findings_page(reference: str):
    """Every finding of the case, marked in its field's text, with a checkbox to accept it at close."""
    case = _handled_case(reference)
    findings = scan_case(case)
    by_field = defaultdict(list)
    for f in findings:
        by_field[f.field].append(f)
    texts = case_texts(case)
    highlighted = {name: highlight(texts[name], fs) for name, fs in by_field.items()}
    redactable = any(editable(name) for name in by_field)
    own_ids = {f.id for f in own_data(case, findings)}
    html = render_template("cases/findings_page.html", case=case, findings=findings, highlighted=highlighted,
                           redactable=redactable, own_ids=own_ids)
    if findings or holds_personal_data(case):  # CPR numbers, names, phones found in the text: a view of them
        record(current_user, "case.viewed", now=utcnow(), case=case,
               detail={"reference": case.reference, "shown": ["anonymisation_findings"], "findings": len(findings)})
        db.session.commit()
    return html


@bp.post("/cases/<reference>/anonymisation/redact")
@login_required
def redact_all(reference: str):
    """Replace every finding in the editable fields (the case's narrative, statements' questions and
    answers) by a placeholder, through the `edit` action."""
    case = _handled_case(reference)
    by_field = defaultdict(list)
    for f in scan_case(case):
        if editable(f.field):
            by_field[f.field].append(f)
    if by_field:
        texts = case_texts(case)
        payload = {name: redact(texts[name], fs) for name, fs in by_field.items()}
        perform(current_user, case, "edit", payload, now=utcnow())
        db.session.commit()
        flash(gettext("Fund i teksten er erstattet med pladsholdere."))
    return redirect(url_for("anonymisation.findings_page", reference=reference))


@bp.app_context_processor
def _finding_labels():
    return {"field_label": field_label, "kind_label": lambda kind: code_label(KIND_WORDS, kind),
            "finding_words": finding_words}


def finding_words(finding) -> str:
    """A finding as people say it: "Navn i beskrivelsen", "CPR-nummer i svaret på udtalelse 12"."""
    return f"{code_label(KIND_WORDS, finding.kind)} {field_in(finding.field, gettext)}"
