"""The audit trail pages (SPEC §13): central risk managers see their subtree, admins everything."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from uth.audit.labels import detail_items, event_choices, event_label
from uth.audit.services import record
from uth.audit.trail import TrailFilter, may_read_trail, trail_csv, trail_query
from uth.clock import utcnow
from uth.extensions import db
from uth.reports.models import Case
from uth.reports.visibility import CASE_LOOKUP
from uth.web import page_arg

bp = Blueprint("audit", __name__)
PER_PAGE = 50


def _references(entries) -> dict[int, str]:
    ids = {e.case_id for e in entries if e.case_id}
    return dict(db.session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}


@bp.get("/audit")
@login_required
def trail_page():
    """The trail: central risk managers see their subtree, admins everything; filters and paging."""
    if not may_read_trail(current_user):
        abort(404)
    filters, errors = TrailFilter.from_args(request.args)
    query = trail_query(current_user, filters, CASE_LOOKUP)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = page_arg(request.args)
    entries = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return render_template("audit/trail.html", entries=entries, references=_references(entries), total=total,
                           page=page, per_page=PER_PAGE, filters=filters, errors=errors, args=request.args,
                           event_label=event_label, detail_items=detail_items, event_choices=event_choices())


@bp.get("/audit.csv")
@login_required
def trail_csv_export():
    """The filtered trail as CSV; the export itself is audited."""
    if not may_read_trail(current_user):
        abort(404)
    filters, _ = TrailFilter.from_args(request.args)
    entries = list(db.session.scalars(trail_query(current_user, filters, CASE_LOOKUP)))
    body = trail_csv(entries, _references(entries))
    record(current_user, "export.audit_csv", now=utcnow(),
           detail={"count": len(entries), "filters": {k: v for k, v in request.args.items() if v}})
    db.session.commit()
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="revisionsspor.csv"'})
