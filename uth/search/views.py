"""HTML pages of the search feature: one box, filters, highlighted results (SPEC §12)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from uth.errors import Invalid
from uth.reports.due import next_deadline
from uth.reports.models import CaseStatus
from uth.taxonomy.services import terms
from uth.web import org_choices, page_arg

from .backend import QuerySyntaxError
from .services import ORDERS, default_kind, filters_from_args, search_cases

bp = Blueprint("search", __name__)
PER_PAGE = 20


@bp.get("/search")
@login_required
def search_page():
    """Search what the signed-in user may see; errors are shown beside the box, never a 500."""
    args = request.args
    q = (args.get("q") or "").strip()
    order = args.get("order") if args.get("order") in ORDERS else "relevance"
    page = page_arg(args)
    errors: dict[str, list[str]] = {}
    total, results = 0, []
    if q:
        try:
            total, results = search_cases(current_user, q, filters_from_args(args), order=order, page=page,
                                          per_page=PER_PAGE)
        except Invalid as err:
            errors = err.errors
        except QuerySyntaxError as err:
            errors = {"q": [str(err)]}
    context = {
        "q": q, "args": args, "order": order, "page": page, "per_page": PER_PAGE, "total": total,
        "results": results, "errors": errors, "kind": default_kind(current_user),
        "deadlines": {r.obj.id: next_deadline(r.obj) for r in results if r.kind == "case"},
        "statuses": list(CaseStatus), "event_types": terms("event_types"),
        "severities": terms("severities"), "pages": -(-total // PER_PAGE), "orgs": org_choices(),
    }
    return render_template("search/search.html", **context), (422 if errors else 200)
