"""HTML pages of the audit feature: the trail (SPEC §13) and the purpose asked before personal data opens."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from uth.audit.services import record
from uth.audit.trail import TrailFilter, may_read_trail, trail_csv, trail_query
from uth.auth.permissions import can_see_patient
from uth.clock import utcnow
from uth.extensions import db
from uth.reports.models import Case
from uth.reports.services import get_visible_case

bp = Blueprint("audit", __name__)
PER_PAGE = 50
SESSION_KEY = "personal_data_purposes"
# Why personal data is opened (Sundhedsloven § 198, stk. 3): recorded with every view.
PURPOSES = {
    "sagsbehandling": "Sagsbehandling",
    "analyse": "Analyse af hændelsen",
    "opfoelgning": "Opfølgning med patient eller pårørende",
    "andet": "Andet",
}


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
    query = trail_query(current_user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    entries = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return render_template("audit/trail.html", entries=entries, references=_references(entries), total=total,
                           page=page, per_page=PER_PAGE, filters=filters, errors=errors, args=request.args)


@bp.get("/audit.csv")
@login_required
def trail_csv_export():
    """The filtered trail as CSV; the export itself is audited."""
    if not may_read_trail(current_user):
        abort(404)
    filters, _ = TrailFilter.from_args(request.args)
    entries = list(db.session.scalars(trail_query(current_user, filters)))
    body = trail_csv(entries, _references(entries))
    record(current_user, "export.audit_csv", now=utcnow(),
           detail={"count": len(entries), "filters": {k: v for k, v in request.args.items() if v}})
    db.session.commit()
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="revisionsspor.csv"'})


def chosen_purpose(case: Case) -> str | None:
    """The purpose given for this case in this session; marks the page so the view is audited."""
    purpose = session.get(SESSION_KEY, {}).get(str(case.id))
    if purpose and can_see_patient(current_user, case):
        g.personal_data_shown = (case.id, purpose)
        return purpose
    return None


@bp.post("/cases/<reference>/personal-data")
@login_required
def choose_purpose(reference: str):
    """Record why the viewer opens the patient's data, once per case and session."""
    case = get_visible_case(current_user, reference)
    if not can_see_patient(current_user, case):
        abort(404)
    code = request.form.get("purpose", "")
    other = request.form.get("purpose_text", "").strip()[:400]
    if code not in PURPOSES or (code == "andet" and not other):
        return redirect(url_for("reports.case_page", reference=reference) + "#patient")
    purpose = PURPOSES[code] + (f": {other}" if other else "")
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), str(case.id): purpose}
    return redirect(url_for("reports.case_page", reference=reference) + "#patient")


@bp.after_app_request
def _audit_personal_data_view(response):
    """Every page that showed a case's personal data gets an audit row with the purpose."""
    shown = g.pop("personal_data_shown", None)
    if shown:
        case = db.session.get(Case, shown[0])
        record(current_user, "case.personal_data_viewed", now=utcnow(), case=case,
               detail={"reference": case.reference}, purpose=shown[1])
        db.session.commit()
    return response


@bp.app_context_processor
def _purpose_helpers():
    return {"personal_data_purpose": chosen_purpose, "personal_data_purposes": PURPOSES}


from uth.anonymisation import views as _anonymisation_views  # noqa: E402,F401  (registers its routes on bp)
