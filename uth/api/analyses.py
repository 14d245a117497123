"""API routes of the analyses feature (SPEC §14); its OpenAPI paths in PATHS."""
from __future__ import annotations

from flask import g, jsonify

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import json_body
from uth.api.openapi import _ERR, _422, _json, _ref
from uth.clock import utcnow
from uth.errors import NotFound
from uth.extensions import db
from uth.rca.models import METHODS, PARTS
from uth.rca.parts import add_part
from uth.rca.presenters import PART_JSON, action_item_json, analysis_json
from uth.rca.services import (
    create_analysis,
    get_analysis,
    link_case,
    linked_cases,
    remove_entry,
    set_status,
    update_action_item_status,
)
from uth.rca.workflow import ActionStatus, AnalysisStatus
from uth.reports.services import get_visible_case



@bp.post("/api/v1/cases/<reference>/analyses")
@token_required
def start_analysis(reference: str):
    """Start an analysis of a case: {method, title?} -> 201 {id, method, status}."""
    now = utcnow()
    case = get_visible_case(g.actor, reference)
    body = json_body(("method", "title"))
    analysis = create_analysis(g.actor, case, body.get("method"), now=now, title=body.get("title"))
    db.session.commit()
    return jsonify({"id": analysis.id, "method": analysis.method, "status": analysis.status, "title": analysis.title}), 201


@bp.get("/api/v1/analyses/<id:analysis_id>")
@token_required
def get_analysis_json(analysis_id: int):
    """The analysis with all its parts; 404 outside scope."""
    analysis = get_analysis(g.actor, analysis_id)
    return jsonify(analysis_json(analysis, utcnow(), linked_cases(g.actor, analysis)))


@bp.post("/api/v1/analyses/<id:analysis_id>/status")
@token_required
def change_status(analysis_id: int):
    """{"status": "in_review" | "approved" | "draft", "reason"?} -> 200 the analysis, or 422 naming what is
    missing (declining a reviewed analysis back to draft needs a reason)."""
    now = utcnow()
    analysis = get_analysis(g.actor, analysis_id)
    body = json_body(("status", "reason"))
    set_status(g.actor, analysis, body.get("status"), now=now, reason=body.get("reason"))
    db.session.commit()
    return jsonify(analysis_json(analysis, now, linked_cases(g.actor, analysis)))


@bp.post("/api/v1/analyses/<id:analysis_id>/<part>")
@token_required
def add_analysis_part(analysis_id: int, part: str):
    """Add one entry to a part (or link a case: part `cases`, body {reference}) -> 201."""
    now = utcnow()
    analysis = get_analysis(g.actor, analysis_id)
    if part == "cases":
        case = link_case(g.actor, analysis, json_body(("reference",)).get("reference"), now=now)
        db.session.commit()
        return jsonify({"reference": case.reference}), 201
    if part not in PARTS:
        raise NotFound("Not found")
    entry = add_part(g.actor, analysis, part, json_body(), now=now, strict=True)
    db.session.commit()
    return jsonify(PART_JSON[part](entry)), 201


@bp.delete("/api/v1/analyses/<id:analysis_id>/<part>/<id:entry_id>")
@token_required
def remove_analysis_entry(analysis_id: int, part: str, entry_id: int):
    """Remove one entry of a part while the analysis is not approved -> 200 the analysis."""
    now = utcnow()
    analysis = get_analysis(g.actor, analysis_id)
    remove_entry(g.actor, analysis, part, entry_id, now=now)
    db.session.commit()
    return jsonify(analysis_json(analysis, now, linked_cases(g.actor, analysis)))


@bp.patch("/api/v1/analyses/<id:analysis_id>/action_items/<id:item_id>")
@token_required
def update_action_item(analysis_id: int, item_id: int):
    """Follow up an action item's status {status}; allowed also when the analysis is approved."""
    now = utcnow()
    analysis = get_analysis(g.actor, analysis_id)
    item = update_action_item_status(g.actor, analysis, item_id, json_body(("status",)).get("status"), now=now)
    db.session.commit()
    return jsonify(action_item_json(item, now))


_ID = {"name": "analysis_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_409 = {"409": _json(_ref("Error"), "Not allowed in the analysis' status (e.g. approved)")}
_403 = {"403": _json(_ref("Error"), "Visible to the caller, but read-only for them")}
_STR = {"type": "string"}
_PART_NAMES = [*PARTS, "cases"]

SCHEMAS = {"Analysis": {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "method": {"type": "string", "enum": list(METHODS)},
        "title": _STR, "status": {"type": "string", "enum": list(AnalysisStatus)},
        "cases": {"type": "array", "items": _STR, "description": "references of the linked cases the caller may see"},
        "other_cases": {"type": "integer", "description": "linked cases outside the caller's scope (not named)"}, "handling_org": {"type": "string", "nullable": True},
        "team": {"type": "array", "items": {"type": "object"}}, "team_warnings": {"type": "array", "items": {"type": "object"}},
        "timeline": {"type": "array", "items": {"type": "object"}},
        "causal_statements": {"type": "array", "items": {"type": "object", "properties": {
            "cause": _STR, "effect": _STR, "event": _STR, "warnings": {"type": "array", "items": {"type": "object"}}}}},
        "contributing_factors": {"type": "array", "items": {"type": "object"}},
        "action_items": {"type": "array", "items": {"type": "object"}},
    },
}}

PATHS = {
    "/api/v1/cases/{reference}/analyses": {"post": {
        "summary": "Start an analysis of a case",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _STR}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["method"], "properties": {
                "method": {"type": "string", "enum": list(METHODS)}, "title": _STR}}}}},
        "responses": {"201": _json({"type": "object", "properties": {"id": {"type": "integer"}, "method": _STR, "status": _STR}}, "Created"),
                      **_ERR, **_403, **_422}}},
    "/api/v1/analyses/{analysis_id}": {"get": {
        "summary": "One analysis with team, timeline, causal statements (with warnings), factors and actions",
        "parameters": [_ID], "responses": {"200": _json(_ref("Analysis")), **_ERR}}},
    "/api/v1/analyses/{analysis_id}/{part}": {"post": {
        "summary": "Add one entry to a part of the analysis (`cases` links another case)",
        "description": "team {name, role, involved}; timeline {at | time_text, text, position?}; causal_statements "
                       "{cause, effect, event} (answer has `warnings`); contributing_factors {code, note?}; action_items "
                       "{text, strength, responsible, due_on, status?, process_measure, outcome_measure}; cases {reference}.",
        "parameters": [_ID, {"name": "part", "in": "path", "required": True, "schema": {"type": "string", "enum": _PART_NAMES}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"201": _json({"type": "object"}, "Created"), **_ERR, **_403, **_409, **_422}}},
    "/api/v1/analyses/{analysis_id}/{part}/{entry_id}": {"delete": {
        "summary": "Remove one entry of a part to correct it (not once the analysis is approved)",
        "description": "Timeline positions close up (1..n). 404 for an unknown part or entry, 409 when approved.",
        "parameters": [_ID, {"name": "part", "in": "path", "required": True, "schema": {"type": "string", "enum": list(PARTS)}},
                       {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json(_ref("Analysis")), **_ERR, **_403, **_409}}},
    "/api/v1/analyses/{analysis_id}/status": {"post": {
        "summary": "Move draft -> in_review -> approved, or decline back to draft with a reason; 422 names what is "
                   "missing, an action item due in the past, or the author approving where another risk manager can",
        "parameters": [_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["status"],
            "properties": {"status": {"type": "string", "enum": list(AnalysisStatus)},
                           "reason": {"type": "string", "description": "required when declining in_review -> draft"}}}}}},
        "responses": {"200": _json(_ref("Analysis")), **_ERR, **_403, **_409, **_422}}},
    "/api/v1/analyses/{analysis_id}/action_items/{item_id}": {"patch": {
        "summary": "Follow up an action item's status (also when the analysis is approved)",
        "parameters": [_ID, {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "status": {"type": "string", "enum": list(ActionStatus)}}}}}},
        "responses": {"200": _json({"type": "object"}), **_ERR, **_403, **_422}}},
}
