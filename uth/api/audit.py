"""API routes of the audit feature; its OpenAPI paths in PATHS."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.openapi import _ERR, _json
from uth.audit.models import AuditEntry
from uth.audit.trail import entry_json, may_read_case_trail
from uth.errors import NotFound
from uth.extensions import db
from uth.i18n import message
from uth.reports.models import Case


@bp.get("/api/v1/cases/<reference>/audit")
@token_required
def case_audit(reference: str):
    """A case's audit trail, oldest first: central risk managers over the case and admins; 404 for others."""
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None or not may_read_case_trail(g.actor, case):
        raise NotFound(message("Sagen findes ikke"))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id))
    return jsonify({"items": [entry_json(e) for e in entries]})


_S = {"type": "string"}
_ENTRY = {"type": "object", "properties": {
    "at": {"type": "string", "format": "date-time"}, "actor": _S, "action": _S,
    "detail": {"type": "object"}, "purpose": {"type": "string", "nullable": True}, "ip": {"type": "string", "nullable": True},
    "hash": {"type": "string", "description": "SHA-256 over the previous entry's hash and this entry (SPEC §21)"}}}

PATHS = {
    "/api/v1/cases/{reference}/audit": {"get": {
        "summary": "Audit trail of a case (central risk managers over the case, admins)",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _S}],
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _ENTRY}}}), **_ERR},
    }},
}
