"""HTML pages of the learning feature: forum pages, the summary editor, the digest and statistics."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from uth.clock import utcnow
from uth.csvsafe import csv_text
from uth.deadlines.rules import local_date
from uth.errors import FindingsError, Invalid
from uth.extensions import db
from uth.i18n import gettext as _, message
from uth.learning import services
from uth.learning.charts import bar_chart, line_chart, value_text
from uth.learning.digest import parse_since
from uth.learning.i18n import code_label, month_label
from uth.learning.models import DRAFT, VISIBILITIES
from uth.learning.stats import DIMENSIONS, NONE_KEY, available_years, may_see_stats, parse_year, statistics
from uth.rca.services import get_analysis
from uth.reports.services import get_visible_case
from uth.taxonomy.services import label, term_label, terms
from uth.web import highlight

bp = Blueprint("learning", __name__)


@bp.context_processor
def _labels() -> dict:
    return {"code_label": code_label}

EDIT_FIELDS = services.EDIT_FIELDS
STAT_KINDS = {"event_type": "event_types", "transition": "transition_types", "severity": "severities"}


def _require_reader():
    if not services.may_read_learning(current_user):
        abort(404)


def _filters() -> dict:
    return {key: request.args.get(key) or None for key in services.FILTERS}


def _sector_pairs() -> list[tuple[str, str]]:
    sectors = terms("sectors")
    return [(f"{a.code}→{b.code}", f"{term_label(a)} → {term_label(b)}") for a in sectors for b in sectors if a.code != b.code]


@bp.get("/learning")
@login_required
def forum_page():
    """Published summaries for the reader's clusters and national ones, with search and filters."""
    _require_reader()
    q = (request.args.get("q") or "").strip()
    try:
        summaries, query_error = services.search_summaries(current_user, q, _filters()), None
    except Invalid as err:
        summaries, query_error = [], err.errors["q"][0]
    drafts = list(db.session.scalars(services.draft_summaries(current_user)))
    return render_template("learning/list.html", summaries=summaries, drafts=drafts, q=q, filters=_filters(),
                           query_error=query_error,
                           event_types=[t for t in terms("event_types") if not t.parent],
                           transition_types=[t for t in terms("transition_types") if not t.parent],
                           sector_pairs=_sector_pairs())


def _editor(summary, *, errors=None, findings=None, values=None, accepted=(), status=200):
    findings = findings or []
    values = values or {k: getattr(summary, k) or "" for k in EDIT_FIELDS}
    by_field = {name: [f for f in findings if f.field == name] for name in services.TEXT_FIELDS}
    return render_template(
        "learning/summary.html", summary=summary, editable=services.can_edit(current_user, summary) and summary.status == DRAFT,
        can_edit=services.can_edit(current_user, summary), errors=errors or {}, findings=findings, accepted=set(accepted),
        highlighted={name: highlight(values.get(name) or "", fs) for name, fs in by_field.items() if fs},
        values=values, visibilities=VISIBILITIES,
        event_types=terms("event_types"), transition_types=terms("transition_types"),
    ), status


@bp.get("/learning/<id:summary_id>")
@login_required
def summary_page(summary_id: int):
    """A summary: read view for forums, editor for the risk managers who wrote it."""
    return _editor(services.get_summary(current_user, summary_id))


@bp.post("/learning/<id:summary_id>")
@login_required
def save_summary(summary_id: int):
    """Save a draft's fields."""
    summary = services.get_editable_summary(current_user, summary_id)
    data = {k: request.form.get(k, "") for k in EDIT_FIELDS}
    try:
        services.update_summary(current_user, summary, data, now=utcnow())
    except Invalid as err:
        db.session.rollback()
        return _editor(summary, errors=err.errors, values=data, status=422)
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.post("/learning/<id:summary_id>/publish")
@login_required
def publish(summary_id: int):
    """Publish what is in the form (the editor posts its fields here too), or re-render the form with
    everything typed and the findings highlighted in it (422); nothing is saved when refused."""
    summary = services.get_editable_summary(current_user, summary_id)
    accepted = request.form.getlist("not_personal")
    data = {k: request.form.get(k, "") for k in EDIT_FIELDS if k in request.form}
    values = {**{k: getattr(summary, k) or "" for k in EDIT_FIELDS}, **data}
    try:
        if data:
            services.update_summary(current_user, summary, data, now=utcnow())
        services.publish_summary(current_user, summary, now=utcnow(), not_personal=accepted)
    except Invalid as err:
        db.session.rollback()
        return _editor(summary, errors=err.errors, values=values, accepted=accepted, status=422)
    except FindingsError:
        findings = services.summary_findings(summary, accepted)
        db.session.rollback()
        return _editor(summary, findings=findings, values=values, accepted=accepted, status=422)
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.post("/learning/<id:summary_id>/retract")
@login_required
def retract(summary_id: int):
    """Take a published summary off the forum pages."""
    summary = services.get_editable_summary(current_user, summary_id)
    services.retract_summary(current_user, summary, now=utcnow())
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.post("/cases/<reference>/learning")
@login_required
def create_from_case(reference: str):
    """The case page's "write learning" button: a draft from the closed case."""
    case = get_visible_case(current_user, reference)
    summary = services.create_summary_from_case(current_user, case, now=utcnow())
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.post("/analyses/<id:analysis_id>/learning")
@login_required
def create_from_analysis(analysis_id: int):
    """The approved analysis' "write learning" button."""
    analysis = get_analysis(current_user, analysis_id)
    summary = services.create_summary_from_analysis(current_user, analysis, now=utcnow())
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.post("/learning/new")
@login_required
def create_aggregated():
    """An aggregated draft from several closed cases, given by reference."""
    references = [r for r in (request.form.get("references") or "").replace(",", " ").split() if r]
    if not references:
        raise Invalid({"references": [message("Angiv mindst ét sagsnummer")]})
    cases = [get_visible_case(current_user, r) for r in dict.fromkeys(references)]
    summary = services.create_summary_from_cases(current_user, cases, now=utcnow())
    db.session.commit()
    return redirect(url_for("learning.summary_page", summary_id=summary.id))


@bp.get("/learning/digest")
@login_required
def digest():
    """New summaries since a date: the same list the monthly e-mail sends."""
    _require_reader()
    since = parse_since(request.args.get("since"), utcnow())
    return render_template("learning/digest.html", summaries=services.summaries_since(current_user, since),
                           since=local_date(since))


def stat_label(by: str, key: str) -> str:
    """A statistics key as people read it (taxonomy labels, sectors, months)."""
    if key == NONE_KEY:
        return _("Ikke angivet")
    if by == "month":
        return month_label(key)
    if by == "sector_pair":
        a, _sep, b = key.partition("→")
        return f"{label('sectors', a)} → {label('sectors', b)}"
    return label(STAT_KINDS[by], key) if by in STAT_KINDS else key


def _require_stats():
    if not may_see_stats(current_user):
        abort(404)


@bp.get("/stats")
@login_required
def stats_page():
    """Charts (SVG, no JavaScript) and tables for every dimension of one calendar year, small cells suppressed."""
    _require_stats()
    now = utcnow()
    years = available_years(current_user, now)
    try:
        year = parse_year(request.args, now)
    except Invalid as err:
        return render_template("learning/stats.html", tables=None, years=years, year=None, errors=err.errors), 422
    tables = {by: statistics(current_user, by, year=year) for by in DIMENSIONS}
    bars = {by: bar_chart(tables[by], lambda key, by=by: stat_label(by, key)) for by in DIMENSIONS if by != "month"}
    return render_template("learning/stats.html", tables=tables, bars=bars, line=line_chart(tables["month"], month_label, lambda key: month_label(key, short=True)),
                           label=stat_label, value_text=value_text, years=years, year=year, errors={})


@bp.get("/stats.csv")
@login_required
def stats_csv():
    """One dimension of one calendar year as CSV: key, label, count (shown as "< m" where suppressed)."""
    _require_stats()
    year = parse_year(request.args, utcnow())
    by = request.args.get("by", "")
    table = statistics(current_user, by, year=year)
    rows = [["key", "label", "count"]]
    rows += [[row.key, stat_label(by, row.key), value_text(row.count, table.min_cell)] for row in table.rows]
    rows.append(["total", _("I alt"), "" if table.total is None else table.total])
    return Response(csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="uth-stats-{by}-{year}.csv"'})

