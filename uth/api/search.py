"""API routes of the search feature; its OpenAPI paths in PATHS.

Items are `{reference, title, snippet, score}`; a learning summary's `reference` is
"learning:<id>" (its id for GET /api/v1/learning/<id>). `snippet` is HTML with <mark> around
the matched words and everything else escaped.
"""
from __future__ import annotations

from flask import g, jsonify, request

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import int_arg
from uth.api.openapi import _ERR, _STR, _422, _json
from uth.errors import Invalid
from uth.i18n import message
from uth.search.backend import QuerySyntaxError
from uth.search.services import KINDS, ORDERS, Result, filters_from_args, search_cases


def _item(result: Result) -> dict:
    obj = result.obj
    reference = obj.reference if result.kind == "case" else f"learning:{obj.id}"
    return {"reference": reference, "title": obj.title, "snippet": result.snippet, "score": round(result.score, 4)}


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = (request.args.get(name) or "").strip() or None
    if value is not None and value not in allowed:
        raise Invalid({name: [f"Brug en af: {', '.join(allowed)}"]})
    return value


@bp.get("/api/v1/search")
@token_required
def search():
    """Full-text search among what the caller may see; 422 for a missing or unusable query."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise Invalid({"q": [message("Skriv mindst ét ord at søge efter")]})
    order = _choice("order", ORDERS) or "relevance"
    kind = _choice("kind", KINDS)
    page, per_page = int_arg("page", 1), int_arg("per_page", 20, maximum=100)
    filters = filters_from_args(request.args)
    try:
        total, results = search_cases(g.actor, q, filters, kind=kind, order=order, page=page, per_page=per_page)
    except QuerySyntaxError as err:
        raise Invalid({"q": [str(err)]}) from None
    body = {"total": total, "items": [_item(r) for r in results], "page": page, "per_page": per_page}
    if getattr(total, "exact", True) is False:
        body["total_exact"] = False  # more matches than counted: `total` is where counting stopped
    return jsonify(body)


_INT = {"type": "integer"}
_ITEM = {"type": "object", "properties": {
    "reference": {"type": "string", "description": "case reference, or learning:<id> for a learning summary"},
    "title": _STR, "snippet": {"type": "string", "description": "escaped HTML, matches in <mark>"},
    "score": {"type": "number"}}}

PATHS = {
    "/api/v1/search": {"get": {
        "summary": "Full-text search (words, \"phrases\", OR, NOT/-word, prefix*) among what the caller may see; "
                   "forum members and reporters search published learning summaries",
        "parameters": [{"name": "q", "in": "query", "required": True, "schema": _STR}] + [
            {"name": n, "in": "query", "schema": s} for n, s in (
                ("status", _STR), ("org", _STR), ("event_type", _STR), ("severity", _STR),
                ("received_from", {"type": "string", "format": "date"}), ("received_to", {"type": "string", "format": "date"}),
                ("order", {"type": "string", "enum": list(ORDERS)}), ("kind", {"type": "string", "enum": list(KINDS)}),
                ("page", _INT), ("per_page", _INT))],
        "responses": {"200": _json({"type": "object", "properties": {
            "total": _INT, "items": {"type": "array", "items": _ITEM},
            "total_exact": {"type": "boolean", "description": "present (false) when there are more matches than "
                            "`total`: a broad search on PostgreSQL counts and ranks its newest matches only"}}}),
                      **_ERR, **_422}}},
}
