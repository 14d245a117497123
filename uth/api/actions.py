"""API routes of the actions feature; its OpenAPI paths in PATHS."""
from __future__ import annotations

from flask import g, jsonify

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import json_body
from uth.api.openapi import _ERR, _json, _ref
from uth.clock import utcnow
from uth.extensions import db
from uth.handling.actions import perform
from uth.handling.workflow import ACTIONS
from uth.reports.personal_data import record_view
from uth.reports.presenters import case_json
from uth.reports.severity import ACTUAL, POSSIBLE
from uth.reports.services import get_visible_case
from uth.reports.validation import NCC_MERP, SAC


@bp.post("/api/v1/cases/<reference>/actions")
@token_required
def case_action(reference: str):
    """One workflow action (SPEC §5): 200 the case; 409 wrong state; 422 bad input; 404 outside scope."""
    now = utcnow()
    case = get_visible_case(g.actor, reference)
    body = json_body()
    action = body.get("action")
    payload = {k: v for k, v in body.items() if k != "action"}
    perform(g.actor, case, action if isinstance(action, str) else "", payload, now=now, strict=True)
    body = case_json(case, g.actor, now)
    # The answer shows the reporter's identity like GET /cases/<reference> does: audited alike, in the
    # action's own transaction.
    record_view(g.actor, case, now=now, purpose=None, shown=[k for k in ("reporter",) if k in body])
    db.session.commit()
    return jsonify(body)


_S = {"type": "string"}
_ACTION_BODY = {
    "type": "object",
    "required": ["action"],
    "description": "Fields by action: acknowledge {}; assign {assignee}; transfer {org, comment}; "
                   "classify {event_type, actual_consequence, possible_consequence, ncc_merp?, sac?, reason?} (reason: "
                   "required when the new severity is less serious than the case's, SPEC §21; kept in the audit trail); "
                   "request_statement {org, question}; respond {statement_id, text}; "
                   "remind_statement {statement_id} (mails the asked organisation again); "
                   "withdraw_statement {statement_id, comment} (the reason; back to in_progress when none is awaited); "
                   "comment {text, not_personal?} (on a closed case refused with 422 findings if the text holds a "
                   "CPR number, phone number or e-mail address); "
                   "edit {title?, description?, consequence?, prevention?, \"statement:<id>:question\"?, "
                   "\"statement:<id>:answer\"?} (a statement's question or given answer, named as findings name "
                   "the field); reject {reason, comment, duplicate_of?}; "
                   "close {conclusion, learning, feedback?, not_personal?} (refused with every blocker at once: 409 while a "
                   "statement is awaited or the case is not in progress, else 422; `blockers` names each in words); "
                   "reopen {comment}; "
                   "message_reporter {text} (1-5,000 characters, any open state, the handling organisation: a "
                   "question or message to the reporter, who is mailed a link when an address is known). "
                   "edit also takes \"message:<id>\" (a message of the dialogue, named as findings name it).",
    "properties": {
        "action": {"type": "string", "enum": list(ACTIONS)},
        "assignee": {"type": "string", "description": "e-mail of a risk manager who may handle the case"},
        "org": {"type": "string", "description": "organisation code"},
        "comment": _S, "question": _S, "text": _S,
        "statement_id": {"type": "integer"},
        "event_type": _S,
        "actual_consequence": {"type": "string", "enum": list(ACTUAL)},
        "possible_consequence": {"type": "string", "enum": list(POSSIBLE), "nullable": True},
        "ncc_merp": {"type": "string", "enum": list(NCC_MERP), "nullable": True},
        "sac": {"type": "integer", "enum": list(SAC), "nullable": True},
        "title": {"type": "string", "maxLength": 200}, "description": {"type": "string", "minLength": 20},
        "consequence": {"type": "string", "nullable": True}, "prevention": {"type": "string", "nullable": True},
        "reason": {"type": "string", "description": "reject: one of insufficient_information, work_environment, "
                   "test_case, duplicate, other; classify: why the severity is lowered (free text, no personal data)"},
        "duplicate_of": {"type": "string", "description": "reference of the original case (reason duplicate)"},
        "conclusion": _S, "learning": _S,
        "feedback": {"type": "string", "description": "text the reporter receives; a neutral sentence by default"},
        "not_personal": {"type": "array", "items": _S, "description": "finding ids accepted as not personal data; "
                         "never the case's own patient CPR, patient or reporter name, reporter e-mail or phone (422)"},
    },
    "additionalProperties": {"type": "string", "description": "edit: \"statement:<id>:question\", "
                             "\"statement:<id>:answer\" or \"message:<id>\", the new text"},
}

PATHS = {
    "/api/v1/cases/{reference}/actions": {"post": {
        "summary": "Act on a case (workflow action of SPEC §5)",
        "parameters": [{"name": "reference", "in": "path", "required": True, "schema": _S}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ACTION_BODY}}},
        "responses": {
            "200": _json(_ref("Case")), **_ERR,
            "409": _json(_ref("Error"), "Not allowed in the case's current state"),
            "422": {"description": "Invalid input, or anonymisation findings block closing",
                    "content": {"application/json": {"schema": {"oneOf": [_ref("Errors"), _ref("Findings")]}}}},
        },
    }},
}
