"""FHIR R5 AdverseEvent in and out (SPEC §22): read a case, report an event, the CapabilityStatement.

Every answer of these routes is `application/fhir+json`; every refusal an OperationOutcome."""
from __future__ import annotations

import json
from functools import wraps

from flask import Response, current_app, g, request, url_for
from werkzeug.exceptions import HTTPException

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.openapi import _STR, _ref
from uth.clock import utcnow
from uth.errors import DomainError, Invalid
from uth.extensions import commit_keeping_state, db
from uth.fhir.capability import capability_statement
from uth.fhir.mapping import N_, Inbound, Issue, operation_outcome, outcome_issues, read_adverse_event
from uth.fhir.services import case_resource
from uth.i18n import gettext
from uth.reports.personal_data import record_view
from uth.reports.services import get_visible_case, submit_report
from uth.reports.validation import parse_report

FHIR_JSON = "application/fhir+json"
ACCEPTED_TYPES = (FHIR_JSON, "application/json")
# A report is at most 20,000 characters of narrative: an AdverseEvent of 1 MiB is not one.
MAX_BODY_BYTES = 1024 * 1024
_ISSUE_TYPES = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 409: "conflict",
                413: "too-long", 415: "not-supported", 422: "invalid", 429: "throttled"}


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), status=status, headers=headers,
                    content_type=f"{FHIR_JSON}; charset=utf-8")


def _outcome(status: int, issues: list[Issue], headers: dict | None = None) -> Response:
    return fhir_response(operation_outcome(issues, gettext), status, headers)


def _error(status: int, message: str) -> Response:
    return _outcome(status, [Issue("AdverseEvent", message, {}, _ISSUE_TYPES.get(status, "exception"))])


def fhir_route(view):
    """Refusals as OperationOutcomes: domain errors, HTTP errors and the bearer check's 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Invalid as err:
            return _outcome(422, outcome_issues(err.errors, Inbound()))
        except DomainError as err:
            return _error(err.status, err.message or type(err).__name__)
        except HTTPException as err:
            return _error(err.code or 500, err.description or err.name)
        if response.status_code >= 400 and response.mimetype == "application/json":  # the bearer check's {"error": ...}
            message = (response.get_json(silent=True) or {}).get("error") or response.status
            headers = {k: v for k, v in response.headers.items() if k == "WWW-Authenticate"}
            return _outcome(response.status_code, [Issue("AdverseEvent", message, {}, _ISSUE_TYPES.get(response.status_code, "exception"))], headers)
        return response

    return wrapper


@bp.get("/api/v1/fhir/metadata")
@fhir_route
def fhir_metadata():
    """The CapabilityStatement: what this server supports (no token needed)."""
    return fhir_response(capability_statement(url_for("api.fhir_metadata", _external=True).rsplit("/metadata", 1)[0]))


@bp.get("/api/v1/fhir/AdverseEvent/<reference>")
@fhir_route
@token_required
def fhir_read_adverse_event(reference: str):
    """A case as an R5 AdverseEvent, with the case JSON's scope: 404 outside it."""
    now = utcnow()
    case = get_visible_case(g.actor, reference)
    resource = case_resource(case)
    record_view(g.actor, case, now=now, purpose=None, shown=[])
    db.session.commit()
    return fhir_response(resource)


def _posted_resource() -> dict | Response:
    """The body as JSON, or the OperationOutcome that refuses it (type, size, syntax)."""
    if request.mimetype not in ACCEPTED_TYPES:
        return _error(415, N_("Send en AdverseEvent som application/fhir+json eller application/json"))
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(limit, MAX_BODY_BYTES) if limit else MAX_BODY_BYTES
    raw = request.get_data(cache=False)  # 413 past the limit, before it is read
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _outcome(422, [Issue("AdverseEvent", N_("Kroppen er ikke UTF-8"), {}, "structure")])
    except (ValueError, RecursionError) as err:
        where = {"line": err.lineno, "column": err.colno} if isinstance(err, json.JSONDecodeError) else {"line": 1, "column": 1}
        return _outcome(422, [Issue("AdverseEvent", N_("Ugyldig JSON (linje %(line)s, kolonne %(column)s)"), where, "structure")])


@bp.post("/api/v1/fhir/AdverseEvent")
@fhir_route
@token_required
def fhir_create_adverse_event():
    """A local system reports an event as an R5 AdverseEvent: the same validation, routing, deadlines,
    audit and outbox as POST /api/v1/reports; 201 with Location and the resource as stored."""
    now = utcnow()
    resource = _posted_resource()
    if isinstance(resource, Response):
        return resource
    inbound = read_adverse_event(resource)
    if any(issue.expression == "AdverseEvent.resourceType" for issue in inbound.issues):
        return _outcome(422, inbound.issues)
    try:
        data = parse_report(inbound.report, public=False, reporter=g.actor, now=now)
    except Invalid as err:
        return _outcome(422, inbound.issues + outcome_issues(err.errors, inbound))
    if inbound.issues:
        return _outcome(422, inbound.issues)
    case, _receipt = submit_report(g.actor, data, now=now, attach=False)
    commit_keeping_state()  # the resource is made from memory, after the write gate is given back
    stored = case_resource(case)
    location = url_for("api.fhir_read_adverse_event", reference=case.reference, _external=True)
    return fhir_response(stored, 201, {"Location": location})


def _fhir(schema: str, description: str = "OK") -> dict:
    return {"description": description, "content": {FHIR_JSON: {"schema": _ref(schema)}}}


_OUTCOMES = {"401": _fhir("OperationOutcome", "No or bad token"), "404": _fhir("OperationOutcome", "Not found or outside scope")}
_R5 = "https://hl7.org/fhir/R5/"
SCHEMAS = {
    "AdverseEvent": {"type": "object", "description": f"An R5 AdverseEvent ({_R5}adverseevent.html), mapped as SPEC §22 says: "
                     "see the CapabilityStatement at /api/v1/fhir/metadata and the README.",
                     "required": ["resourceType", "status", "actuality", "subject"],
                     "properties": {"resourceType": {"type": "string", "enum": ["AdverseEvent"]}}},
    "CapabilityStatement": {"type": "object", "description": f"An R5 CapabilityStatement ({_R5}capabilitystatement.html)",
                            "properties": {"resourceType": {"type": "string", "enum": ["CapabilityStatement"]}}},
    "OperationOutcome": {"type": "object", "description": f"An R5 OperationOutcome ({_R5}operationoutcome.html)",
                         "properties": {"resourceType": {"type": "string", "enum": ["OperationOutcome"]}, "issue": {
                             "type": "array", "items": {"type": "object", "properties": {
                                 "severity": _STR, "code": _STR, "diagnostics": _STR,
                                 "expression": {"type": "array", "items": _STR, "description": "the element (FHIRPath)"}}}}}},
}
PATHS = {
    "/api/v1/fhir/metadata": {"get": {"summary": "FHIR CapabilityStatement (R5): what is supported", "security": [],
                                      "responses": {"200": _fhir("CapabilityStatement")}}},
    "/api/v1/fhir/AdverseEvent": {"post": {
        "summary": "Report an event as an R5 AdverseEvent (as POST /api/v1/reports: same validation and routing)",
        "requestBody": {"required": True, "content": {FHIR_JSON: {"schema": _ref("AdverseEvent")},
                                                      "application/json": {"schema": _ref("AdverseEvent")}}},
        "responses": {"201": _fhir("AdverseEvent", "Created; Location ends in the case reference") | {
                          "headers": {"Location": {"schema": _STR}}},
                      **_OUTCOMES, "413": _fhir("OperationOutcome", "Body over 1 MiB"),
                      "415": _fhir("OperationOutcome", "Not application/fhir+json or application/json"),
                      "422": _fhir("OperationOutcome", "Invalid: one issue per problem, expression names the element")}}},
    "/api/v1/fhir/AdverseEvent/{reference}": {"get": {
        "summary": "A case as an R5 AdverseEvent (scope as the case JSON)",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _STR}],
        "responses": {"200": _fhir("AdverseEvent"), **_OUTCOMES}}},
}
