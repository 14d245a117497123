"""Reporting endpoints: staff, public, receipts and own reports, the reporter's side of the dialogue."""
from __future__ import annotations

from flask import g, jsonify

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.helpers import json_body
from uth.clock import utcnow
from uth.extensions import commit_keeping_state, db, limiter, public_limit
from uth.reports.dialogue import MESSAGE_FIELDS, message_json, own_case, reporter_writes
from uth.reports.presenters import case_json, own_report_json, receipt_json
from uth.reports.services import case_by_receipt, own_reports, submit_report
from uth.reports.validation import parse_report


@bp.post("/api/v1/reports")
@token_required
def create_report():
    """A staff report: 201 with the case and its receipt code, committed before the answer."""
    now = utcnow()
    data = parse_report(json_body(), public=False, reporter=g.actor, now=now, strict=True)
    case, receipt = submit_report(g.actor, data, now=now, attach=False)
    commit_keeping_state()  # the answer is made from memory, after the write gate is given back
    return jsonify(case_json(case, g.actor, now, receipt_code=receipt)), 201


@bp.post("/api/v1/public/reports")
@public_limit
def create_public_report():
    """A patient's or relative's report, without an account."""
    now = utcnow()
    data = parse_report(json_body(), public=True, reporter=None, now=now, strict=True)
    case, receipt = submit_report(None, data, now=now, public=True, attach=False)
    commit_keeping_state()
    return jsonify({"reference": case.reference, "receipt_code": receipt}), 201


@bp.get("/api/v1/receipts/<receipt_code>")
@limiter.limit("60 per minute")
def receipt(receipt_code: str):
    """Status, feedback and the dialogue by receipt code (SPEC §19)."""
    return jsonify(receipt_json(case_by_receipt(receipt_code)))


@bp.post("/api/v1/receipts/<receipt_code>/messages")
@public_limit
def receipt_message(receipt_code: str):
    """The reporter answers or adds information by receipt code: 201 the message; 404 unknown code;
    409 closed or rejected; 422 bad text. Counted with the public form (UTH_PUBLIC_REPORT_LIMIT)."""
    now = utcnow()
    case = case_by_receipt(receipt_code)
    message = reporter_writes(None, case, json_body(MESSAGE_FIELDS), now=now)
    body = message_json(message)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/api/v1/reports/mine")
@token_required
def mine():
    """The caller's own reports with status, feedback and the dialogue."""
    return jsonify({"items": [own_report_json(c) for c in own_reports(g.actor)]})


@bp.post("/api/v1/reports/<reference>/messages")
@token_required
def own_report_message(reference: str):
    """The staff reporter answers or adds information on their own report; 404 for anyone else."""
    now = utcnow()
    case = own_case(g.actor, reference)
    message = reporter_writes(g.actor, case, json_body(MESSAGE_FIELDS), now=now)
    body = message_json(message)
    db.session.commit()
    return jsonify(body), 201
