"""Case queue and single cases for risk managers."""
from __future__ import annotations

from flask import g, jsonify, request

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import int_arg
from uth.auth.permissions import has_case_role
from uth.clock import utcnow
from uth.deadlines.rules import local_date
from uth.errors import NotFound
from uth.extensions import db
from uth.reports.filters import filters_from_args
from uth.reports.personal_data import purpose_text, record_view, shows_patient
from uth.reports.presenters import case_json
from uth.reports.queries import queue
from uth.reports.services import get_visible_case
from uth.reports.visibility import can_handle
from uth.search.similar import similar_cases, suggested_event_type


@bp.get("/api/v1/cases")
@token_required
def list_cases():
    """The caller's queue: `status` (all by default, `open`), `overdue=true`, `due=week`, `org`, `assignee`,
    `unrouted`, `page`, `per_page`."""
    if not has_case_role(g.actor):
        raise NotFound("Not found")
    now = utcnow()
    filters = filters_from_args(request.args, g.actor, today=local_date(now))
    page, per_page = int_arg("page", 1), int_arg("per_page", 50, maximum=500)
    items, total = queue(g.actor, filters, today=local_date(now), page=page, per_page=per_page)
    # The queue carries no identities (data minimisation): the case itself shows them, audited.
    return jsonify({"items": [case_json(c, g.actor, now, identities=False) for c in items], "total": total,
                    "page": page, "per_page": per_page})


@bp.get("/api/v1/cases/<reference>")
@token_required
def get_case(reference: str):
    """One case, as the caller may see it; 404 outside scope."""
    now = utcnow()
    case = get_visible_case(g.actor, reference)
    given = request.args.get("purpose") or request.headers.get("X-UTH-Purpose")
    purpose = purpose_text(given) if given else None
    if not shows_patient(g.actor, case, purpose):
        purpose = None
    body = case_json(case, g.actor, now, purpose=purpose)
    if can_handle(g.actor, case) and not case.event_type:  # SPEC §20: what the most similar classified cases were
        suggestion = suggested_event_type(g.actor, case)
        body["suggested_event_type"] = suggestion.as_json() if suggestion else None
    record_view(g.actor, case, now=now, purpose=purpose, shown=[k for k in ("reporter",) if k in body])
    db.session.commit()
    return jsonify(body)


@bp.get("/api/v1/cases/<reference>/similar")
@token_required
def get_similar_cases(reference: str):
    """Up to 10 other cases the caller may see, most similar first (SPEC §20); 404 outside scope."""
    if not has_case_role(g.actor):
        raise NotFound("Not found")
    case = get_visible_case(g.actor, reference)
    items = [{"reference": c.reference, "title": c.title, "status": c.status, "score": round(score, 4)}
             for c, score in similar_cases(g.actor, case)]
    return jsonify({"items": items})
