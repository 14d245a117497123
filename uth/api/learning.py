"""API routes of the learning feature (SPEC §14): summaries, publication, statistics."""
from __future__ import annotations

from flask import g, jsonify, request

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import json_body, optional_json_body
from uth.api.openapi import _ERR, _json, _ref
from uth.clock import utcnow
from uth.errors import Invalid, NotFound
from uth.i18n import N_
from uth.extensions import db
from uth.learning import services
from uth.learning.models import SummaryStatus, Visibility
from uth.learning.stats import DIMENSIONS, may_see_stats, parse_year, statistics
from uth.rca.services import get_analysis
from uth.reports.services import get_visible_case


def _respond(summary, status: int = 200):
    db.session.commit()
    return jsonify(services.summary_json(summary)), status


@bp.post("/api/v1/cases/<reference>/learning")
@token_required
def create_learning(reference: str):
    """A draft learning summary from a closed case the caller handles; body fields replace the prefilled ones."""
    case = get_visible_case(g.actor, reference)
    return _respond(services.create_summary_from_case(g.actor, case, now=utcnow(), fields=optional_json_body(services.CREATE_FIELDS)), 201)


@bp.post("/api/v1/analyses/<id:analysis_id>/learning")
@token_required
def create_learning_from_analysis(analysis_id: int):
    """A draft learning summary from an approved analysis whose cases the caller handles; body fields replace the prefilled ones."""
    analysis = get_analysis(g.actor, analysis_id)
    return _respond(services.create_summary_from_analysis(g.actor, analysis, now=utcnow(), fields=optional_json_body(services.CREATE_FIELDS)), 201)


@bp.patch("/api/v1/learning/<id:summary_id>")
@token_required
def update_learning(summary_id: int):
    """Edit a draft."""
    summary = services.get_editable_summary(g.actor, summary_id)
    return _respond(services.update_summary(g.actor, summary, json_body(services.EDIT_FIELDS), now=utcnow()))


@bp.post("/api/v1/learning/<id:summary_id>/publish")
@token_required
def publish_learning(summary_id: int):
    """Publish, or 422 with the anonymisation findings; `not_personal` accepts findings."""
    summary = services.get_editable_summary(g.actor, summary_id)
    not_personal = optional_json_body(("not_personal",)).get("not_personal") or []
    return _respond(services.publish_summary(g.actor, summary, now=utcnow(), not_personal=not_personal))


@bp.post("/api/v1/learning/<id:summary_id>/retract")
@token_required
def retract_learning(summary_id: int):
    """Take a published summary off the forum pages."""
    summary = services.get_editable_summary(g.actor, summary_id)
    optional_json_body(())  # takes no field: any given is refused by name
    return _respond(services.retract_summary(g.actor, summary, now=utcnow()))


@bp.get("/api/v1/learning")
@token_required
def list_learning():
    """Published summaries the caller may read; `q` text, filters event_type, transition_type, sector_pair."""
    if not services.may_read_learning(g.actor):
        raise NotFound("Not found")
    filters = {key: request.args.get(key) for key in services.FILTERS}
    items = services.search_summaries(g.actor, request.args.get("q"), filters)
    return jsonify({"items": [services.summary_json(s) for s in items], "total": len(items)})


@bp.get("/api/v1/learning/similar")
@token_required
def similar_learning():
    """Published summaries the caller may read, most like `text` first (SPEC §20); never a case."""
    text = request.args.get("text") or ""
    if not text.strip():
        raise Invalid({"text": [N_("Skriv en tekst at finde lignende læring til")]})
    if len(text) > 20_000:
        raise Invalid({"text": [N_("Må højst være 20000 tegn")]})
    return jsonify({"items": [services.summary_json(s) for s in services.similar_summaries(g.actor, text)]})


@bp.get("/api/v1/learning/<id:summary_id>")
@token_required
def get_learning(summary_id: int):
    """One summary the caller may read (published) or edit."""
    return jsonify(services.summary_json(services.get_summary(g.actor, summary_id)))


@bp.get("/api/v1/stats")
@token_required
def get_stats():
    """Counts by one dimension for one calendar year (`year`, default this year) with small cells suppressed
    (count null); `total` null when it would reveal one. No free date range: see uth.learning.stats."""
    if not may_see_stats(g.actor):
        raise NotFound("Not found")
    year = parse_year(request.args, utcnow())
    table = statistics(g.actor, request.args.get("by", ""), year=year)
    return jsonify({"by": request.args.get("by"), "year": year, "rows": [{"key": r.key, "count": r.count} for r in table.rows],
                    "total": table.total, "min_cell": table.min_cell})


_ID = [{"name": "summary_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_S = {"type": "string"}
_SUMMARY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": _S, "summary": _S, "learning_points": _S, "recommendations": {"type": "string", "nullable": True},
    "event_type": {"type": "string", "nullable": True}, "transition_type": {"type": "string", "nullable": True},
    "sector_pair": {"type": "string", "nullable": True}, "visibility": {"type": "string", "enum": list(Visibility)},
    "status": {"type": "string", "enum": list(SummaryStatus)}, "published_at": {"type": "string", "nullable": True}}}
_EDIT = {"type": "object", "properties": {k: _S for k in ("title", "summary", "learning_points", "recommendations",
                                                          "event_type", "transition_type", "visibility")}}
_CREATE = {"type": "object", "additionalProperties": False,
           "properties": {k: ({"type": "string", "enum": list(Visibility)} if k == "visibility" else _S)
                          for k in services.CREATE_FIELDS}}
_409 = {"409": _json(_ref("Error"), "Wrong state")}
_422 = {"422": _json(_ref("Errors"), "Invalid input")}

PATHS = {
    "/api/v1/cases/{reference}/learning": {"post": {
        "summary": "Draft a learning summary from a closed case; given fields replace the prefilled ones",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _S}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _CREATE}}},
        "responses": {"201": _json(_SUMMARY, "Created"), **_ERR, **_409, **_422}}},
    "/api/v1/analyses/{analysis_id}/learning": {"post": {
        "summary": "Draft a learning summary from an approved analysis (its closed cases, causal statements and actions); "
                   "given fields replace the prefilled ones",
        "parameters": [{"name": "analysis_id", "in": "path", "required": True, "schema": _S}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _CREATE}}},
        "responses": {"201": _json(_SUMMARY, "Created"), **_ERR, **_409, **_422}}},
    "/api/v1/learning": {"get": {
        "summary": "Published learning summaries the caller may read",
        "parameters": [{"name": n, "in": "query", "schema": _S} for n in ("q", *services.FILTERS)],
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _SUMMARY}, "total": {"type": "integer"}}}), **_ERR}}},
    "/api/v1/learning/similar": {"get": {
        "summary": "Published learning summaries the caller may read, most like `text` first (never a case; SPEC §20)",
        "parameters": [{"name": "text", "in": "query", "required": True, "schema": _S}],
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _SUMMARY}}}), **_ERR, **_422}}},
    "/api/v1/learning/{summary_id}": {
        "get": {"summary": "One learning summary", "parameters": _ID, "responses": {"200": _json(_SUMMARY), **_ERR}},
        "patch": {"summary": "Edit a draft", "parameters": _ID,
                  "requestBody": {"required": True, "content": {"application/json": {"schema": _EDIT}}},
                  "responses": {"200": _json(_SUMMARY), **_ERR, **_409, **_422}}},
    "/api/v1/learning/{summary_id}/publish": {"post": {
        "summary": "Publish a draft; refused while the anonymisation scan finds personal data", "parameters": _ID,
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "not_personal": {"type": "array", "items": _S}}}}}},
        "responses": {"200": _json(_SUMMARY), **_ERR, **_409, "422": _json(_ref("Findings"), "Personal data found")}}},
    "/api/v1/learning/{summary_id}/retract": {"post": {
        "summary": "Retract a published summary", "parameters": _ID, "responses": {"200": _json(_SUMMARY), **_ERR, **_409}}},
    "/api/v1/stats": {"get": {
        "summary": "Aggregate counts with small cells suppressed (count null)",
        "parameters": [{"name": "by", "in": "query", "required": True, "schema": {"type": "string", "enum": list(DIMENSIONS)}},
                       {"name": "year", "in": "query", "description": "Calendar year (Danish time), 2000 to this year; default this year",
                        "schema": {"type": "integer", "minimum": 2000}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "rows": {"type": "array", "items": {"type": "object", "properties": {"key": _S, "count": {"type": "integer", "nullable": True}}}},
            "year": {"type": "integer"}, "total": {"type": "integer", "nullable": True}, "min_cell": {"type": "integer"}}}), **_ERR, **_422}}},
}
