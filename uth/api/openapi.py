"""OpenAPI 3 document of the JSON API; a test keeps it equal to the routes that exist."""
from __future__ import annotations

from flask import Flask

from uth.reports.dialogue import SENDERS
from uth.reports.filters import DUE_VALUES
from uth.reports.models import CaseStatus
from uth.reports.severity import ACTUAL, POSSIBLE
from uth.reports.validation import NCC_MERP, PRECISIONS, SAC

_STR = {"type": "string"}
_STR_N = {"type": "string", "nullable": True}
_ORG = {"type": "string", "description": "organisation code", "nullable": True}

SCHEMAS = {
    "Error": {"type": "object", "properties": {"error": _STR}},
    "Errors": {"type": "object", "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}}}},
    "Findings": {"type": "object", "properties": {"findings": {"type": "array", "items": {
        "type": "object", "properties": {"id": _STR, "field": _STR, "kind": _STR, "text": _STR}}}}},
    "Report": {
        "type": "object",
        "required": ["occurred_at", "title", "description", "actual_consequence"],
        "properties": {
            "occurred_at": {"type": "string", "format": "date-time"},
            "occurred_at_precision": {"type": "string", "enum": list(PRECISIONS)},
            "event_org": _ORG, "reporting_org": _ORG,
            "transition": {"type": "object", "properties": {"type": _STR, "from_org": _ORG, "to_org": _ORG}},
            "involved_orgs": {"type": "array", "items": {"type": "object", "properties": {"org": _STR, "role": _STR}}},
            "event_type": _STR_N,
            "title": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "minLength": 20, "maxLength": 20000},
            "consequence": _STR_N, "prevention": _STR_N,
            "actual_consequence": {"type": "string", "enum": list(ACTUAL)},
            "possible_consequence": {"type": "string", "enum": list(POSSIBLE), "nullable": True},
            "patient": {"type": "object", "properties": {"cpr": {"type": "string", "pattern": "^\\d{6}-?\\d{4}$"}, "name": _STR}},
            "reporter": {"type": "object", "properties": {"name": _STR, "email": _STR, "phone": _STR, "profession": _STR, "anonymous": {"type": "boolean"}}},
            "medication": {"type": "object", "properties": {"name": _STR, "substance": _STR, "atc": _STR, "route": _STR, "strength": _STR}},
            "device": {"type": "object", "properties": {"type": _STR, "name": _STR, "model": _STR}},
            "ncc_merp": {"type": "string", "enum": list(NCC_MERP)},
            "sac": {"type": "integer", "enum": list(SAC)},
        },
    },
    "Case": {
        "type": "object",
        "properties": {
            "reference": {"type": "string", "pattern": "^UTH-\\d{4}-\\d{6}$"},
            "status": {"type": "string", "enum": list(CaseStatus)},
            "received_at": {"type": "string", "format": "date-time"},
            "occurred_at": {"type": "string", "format": "date-time"},
            "title": _STR, "description": _STR, "event_type": _STR_N,
            "actual_consequence": _STR, "possible_consequence": _STR_N, "severity": _STR,
            "reporting_org": _ORG, "event_org": _ORG, "handling_org": _ORG,
            "involved_orgs": {"type": "array", "items": {"type": "object"}},
            "transition": {"type": "object", "nullable": True},
            "cross_sector": {"type": "boolean"},
            "assignee": _STR_N,
            "suggested_event_type": {"type": "object", "nullable": True, "description":
                "GET for handlers of a case without an event type (SPEC §20): the vote of the most similar "
                "classified cases; support: votes of how many", "properties": {
                    "code": _STR, "label_da": _STR, "support": {"type": "object", "properties": {
                        "votes": {"type": "integer"}, "of": {"type": "integer"}}}}},
            "deadlines": {"type": "object", "properties": {"acknowledge_by": {"type": "string", "format": "date"}, "close_by": {"type": "string", "format": "date"}}},
            "overdue": {"type": "array", "items": _STR},
            "statements": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "org": _STR, "question": _STR, "respond_by": _STR, "answer": _STR_N}}},
            "reporter": {"type": "object", "description": "only where the caller may see it"},
            "patient": {"type": "object", "description": "only where the caller may see it"},
            "receipt_code": {"type": "string", "description": "only in the answer to a new report"},
            "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"},
                         "description": "the dialogue with the reporter; only in the handling organisation's full view"},
        },
    },
    "Message": {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
        "sender": {"type": "string", "enum": list(SENDERS)}, "text": _STR}},
    "MessageBody": {"type": "object", "required": ["text"],
                    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 5000}}},
    "ReporterView": {"type": "object", "description": "a report as its reporter sees it (SPEC §19); own reports "
                     "add title and received_at", "properties": {
        "reference": _STR, "status": _STR,
        "status_text": {"type": "string", "description": "the status in plain words, in the request's language"},
        "handling_org": _ORG,
        "close_by": {"type": "string", "format": "date", "description": "the date to expect an answer by"},
        "feedback": _STR_N,
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}},
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_OBJ = {"type": "object"}
_ERR = {"401": _json(_ref("Error"), "No or bad token"), "404": _json(_ref("Error"), "Not found or outside scope")}
_422 = {"422": _json(_ref("Errors"), "Invalid input")}
_PUBLIC = {"security": []}

# path -> method -> operation of the routes in meta, reports and cases; the other route modules
# declare their own `PATHS`. A test compares the merged document with the url map.
PATHS: dict[str, dict[str, dict]] = {
    "/healthz": {"get": {"summary": "Health check", **_PUBLIC, "responses": {"200": _json(_OBJ), "503": _json(_OBJ, "A part is failing")}}},
    "/api/v1/openapi.json": {"get": {"summary": "This document", **_PUBLIC, "responses": {"200": _json(_OBJ)}}},
    "/api/v1/taxonomy": {"get": {"summary": "Classification lists", "responses": {"200": _json(_OBJ), **_ERR}}},
    "/api/v1/orgs": {"get": {"summary": "Organisations (q filters by code or name)",
                             "parameters": [{"name": "q", "in": "query", "schema": _STR}],
                             "responses": {"200": _json({"type": "array", "items": _OBJ}), **_ERR}}},
    "/api/v1/reports": {"post": {"summary": "Report an unintended event (staff)",
                                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Report")}}},
                                 "responses": {"201": _json(_ref("Case"), "Created"), **_ERR, **_422}}},
    "/api/v1/public/reports": {"post": {"summary": "Report as a patient or relative (rate limited)", **_PUBLIC,
                                        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Report")}}},
                                        "responses": {"201": _json({"type": "object", "properties": {"reference": _STR, "receipt_code": _STR}}, "Created"),
                                                      **_422, "429": _json(_ref("Error"), "Too many reports")}}},
    "/api/v1/receipts/{receipt_code}": {"get": {"summary": "Status and the dialogue by receipt code", **_PUBLIC,
                                                "parameters": [{"name": "receipt_code", "in": "path", "required": True, "schema": _STR}],
                                                "responses": {"200": _json(_ref("ReporterView")), "404": _json(_ref("Error"))}}},
    "/api/v1/receipts/{receipt_code}/messages": {"post": {
        "summary": "The reporter answers or adds information by receipt code (rate limited with the public form)", **_PUBLIC,
        "parameters": [{"name": "receipt_code", "in": "path", "required": True, "schema": _STR}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("MessageBody")}}},
        "responses": {"201": _json(_ref("Message"), "Created"), "404": _json(_ref("Error")),
                      "409": _json(_ref("Error"), "The case is closed or rejected"), **_422,
                      "429": _json(_ref("Error"), "Too many messages")}}},
    "/api/v1/reports/mine": {"get": {"summary": "The caller's own reports, with the dialogue",
                                     "responses": {"200": _json({"type": "object", "properties": {
                                         "items": {"type": "array", "items": _ref("ReporterView")}}}), **_ERR}}},
    "/api/v1/reports/{reference}/messages": {"post": {
        "summary": "The staff reporter answers or adds information on their own report (404 for anyone else)",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _STR}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("MessageBody")}}},
        "responses": {"201": _json(_ref("Message"), "Created"), **_ERR,
                      "409": _json(_ref("Error"), "The case is closed or rejected"), **_422}}},
    "/api/v1/cases": {"get": {"summary": "Case queue of the caller's scope, nearest deadline first",
                              "parameters": [{"name": n, "in": "query", "schema": s} for n, s in (
                                  ("status", _STR), ("overdue", {"type": "boolean"}), ("due", {"type": "string", "enum": list(DUE_VALUES)}),
                                  ("unrouted", {"type": "boolean"}), ("org", _STR), ("assignee", _STR),
                                  ("page", {"type": "integer"}), ("per_page", {"type": "integer"}))],
                              "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _ref("Case")}, "total": {"type": "integer"}}}), **_ERR, **_422}}},
    "/api/v1/cases/{reference}": {"get": {"summary": "One case as the caller may see it",
                                          "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _STR}],
                                          "responses": {"200": _json(_ref("Case")), **_ERR}}},
    "/api/v1/cases/{reference}/similar": {"get": {
        "summary": "Up to 10 other cases the caller may see, most similar first by title and narrative (SPEC §20)",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _STR}],
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"reference": _STR, "title": _STR, "status": {"type": "string", "enum": list(CaseStatus)},
                                             "score": {"type": "number"}}}}}}), **_ERR}}},
}


def openapi_document(app: Flask) -> dict:
    """The whole document, with a bearer security scheme applied by default."""
    from uth.api import ROUTE_MODULES

    paths, schemas = dict(PATHS), dict(SCHEMAS)
    for module in ROUTE_MODULES:
        paths.update(getattr(module, "PATHS", {}))
        schemas.update(getattr(module, "SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {"title": "UTH API", "version": "1", "description": "Cross-sector adverse event reporting (Danish healthcare)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
