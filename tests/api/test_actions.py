"""POST /api/v1/cases/<reference>/actions: every action in every state, and 404/409/422 (SPEC §5, §14)."""
import pytest
from sqlalchemy import select

from tests.workflow_region import (
    EMAIL,
    api_world,
    case_by_ref,
    post_action,
)
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.notifications.models import OutboxMessage

STATES = ["new", "acknowledged", "in_progress", "awaiting_statement", "closed", "rejected"]
ALLOWED = {
    "acknowledge": {"new"},
    "assign": {"new", "acknowledged", "in_progress"},
    "transfer": {"new", "acknowledged", "in_progress", "awaiting_statement"},
    "classify": {"new", "acknowledged", "in_progress", "awaiting_statement"},
    "request_statement": {"in_progress"},
    "respond": {"awaiting_statement"},
    "remind_statement": {"awaiting_statement"},
    "withdraw_statement": {"awaiting_statement"},
    "comment": set(STATES),
    "edit": {"new", "acknowledged", "in_progress", "awaiting_statement"},
    "reject": {"new", "acknowledged", "in_progress", "awaiting_statement"},
    "close": {"in_progress"},
    "reopen": {"closed", "rejected"},
    "message_reporter": {"new", "acknowledged", "in_progress", "awaiting_statement"},
}
AFTER = {"acknowledge": "acknowledged", "assign": "in_progress", "request_statement": "awaiting_statement",
         "respond": "in_progress", "withdraw_statement": "in_progress", "reject": "rejected", "close": "closed", "reopen": "in_progress"}
PAYLOAD = {
    "acknowledge": {},
    "assign": {"assignee": "rm2@h.dk"},
    "transfer": {"org": "H2", "comment": "Forkert routet"},
    "classify": {"event_type": "medicinering.ordination", "actual_consequence": "minor", "possible_consequence": "serious_or_fatal"},
    "request_statement": {"org": "K-HJ", "question": "Hvornår modtog I epikrisen?"},
    "respond": {"text": "Tre dage efter udskrivelsen."},
    "remind_statement": {},
    "withdraw_statement": {"comment": "Ikke længere nødvendig"},
    "comment": {"text": "Intern note"},
    "edit": {"title": "Epikrise forsinket"},
    "reject": {"reason": "test_case", "comment": "Oprettet ved en øvelse"},
    "close": {"conclusion": "Rutinen for afsendelse er ændret.", "learning": "Send epikrisen samme dag."},
    "reopen": {"comment": "Ny viden er kommet frem"},
    "message_reporter": {"text": "Hvornår opdagede du fejlen?"},
}
# How to bring a fresh case into each state through the API itself.
PATH = {
    "new": [],
    "acknowledged": [("rm_h", "acknowledge")],
    "in_progress": [("rm_h", "assign")],
    "awaiting_statement": [("rm_h", "assign"), ("rm_h", "request_statement")],
    "closed": [("rm_h", "assign"), ("rm_h", "close")],
    "rejected": [("rm_h", "reject")],
}


@pytest.fixture
def world(app):
    return api_world(app)


post = post_action


def run(client, world, who, action, **extra):
    headers, ref = world
    payload = dict(PAYLOAD[action], **extra)
    if action in ("respond", "remind_statement", "withdraw_statement"):
        case = client.get(f"/api/v1/cases/{ref}", headers=headers[who]).get_json()
        payload["statement_id"] = case["statements"][0]["id"] if case["statements"] else 1
    return post(client, headers[who], ref, action, **payload)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_every_action_in_every_state(client, world, action, state):
    for who, step in PATH[state]:
        assert run(client, world, who, step).status_code == 200
    who = "rm_k" if action == "respond" else "rm_h"
    response = run(client, world, who, action)
    if state in ALLOWED[action]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == AFTER.get(action, state)
    else:
        assert response.status_code == 409, response.get_json()
        assert "error" in response.get_json()


def test_outside_scope_is_404_before_anything_else(client, world):
    headers, ref = world
    for who in ("rm_k2", "nurse"):
        assert post(client, headers[who], ref, "acknowledge").status_code == 404
        assert client.post(f"/api/v1/cases/{ref}/actions", data="x", headers=headers[who]).status_code == 404
    assert post(client, headers["rm_h"], "UTH-2026-999999", "acknowledge").status_code == 404
    assert post(client, headers["rm_k"], ref, "acknowledge").status_code == 404  # involved: no handler actions


def test_bad_input_is_422_with_field_errors(client, world):
    headers, ref = world
    assert post(client, headers["rm_h"], ref, "archive").get_json() == {"errors": {"action": [
        "Ukendt handling; brug en af: acknowledge, assign, transfer, classify, request_statement, respond, "
        "remind_statement, withdraw_statement, comment, edit, reject, close, reopen, message_reporter"]}}
    body = post(client, headers["rm_h"], ref, "reject", reason="duplicate", comment="").get_json()
    assert set(body["errors"]) == {"comment", "duplicate_of"}
    body = post(client, headers["rm_h"], ref, "classify", event_type=["x"], actual_consequence={}).get_json()
    assert set(body["errors"]) == {"event_type", "actual_consequence"}
    assert post(client, headers["rm_h"], ref, "reject", reason=["duplicate"], comment="x").status_code == 422
    response = client.post(f"/api/v1/cases/{ref}/actions", data="not json", headers=headers["rm_h"])
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


def test_close_with_findings_answers_422_with_the_findings(client, world):
    headers, ref = world
    post(client, headers["rm_h"], ref, "assign", assignee="rm@h.dk")
    response = post(client, headers["rm_h"], ref, "close", conclusion="Ring til pårørende på jens@example.dk",
                    learning="Send epikrisen samme dag.")
    assert response.status_code == 422
    [finding] = response.get_json()["findings"]
    assert finding["kind"] == "email" and finding["field"] == "conclusion" and finding["text"] == "jens@example.dk"
    response = post(client, headers["rm_h"], ref, "close", conclusion="Ring til pårørende på jens@example.dk",
                    learning="Send epikrisen samme dag.", not_personal=[finding["id"]])
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert "patient" not in response.get_json()  # patient data only with a purpose, and deleted at close
    with_purpose = client.get(f"/api/v1/cases/{ref}?purpose=sagsbehandling", headers=headers["rm_h"]).get_json()
    assert "patient" not in with_purpose


def test_statement_round_trip_across_two_organisations(app, client, world):
    headers, ref = world
    post(client, headers["rm_h"], ref, "acknowledge")
    post(client, headers["rm_h"], ref, "assign", assignee="rm@h.dk")
    case = post(client, headers["rm_h"], ref, "request_statement", org="K-HJ", question="Hvornår kom epikrisen?").get_json()
    [st] = case["statements"]
    assert case["status"] == "awaiting_statement" and st["respond_by"] == "2026-12-07" and st["answer"] is None
    queue = client.get("/api/v1/cases", headers=headers["rm_k"]).get_json()
    assert [c["reference"] for c in queue["items"]] == [ref]
    limited = post(client, headers["rm_k"], ref, "respond", statement_id=st["id"], text="Den kom efter tre dage.").get_json()
    assert limited["view"] == "limited" and limited["status"] == "in_progress" and "patient" not in limited
    assert limited["statements"][0]["answer"] == "Den kom efter tre dage."
    closed = post(client, headers["rm_h"], ref, "close", conclusion="Epikrisen blev sendt for sent.",
                  learning="Send epikrisen samme dag som udskrivelsen.").get_json()
    assert closed["status"] == "closed"
    with app.app_context():
        kinds = sorted(m.kind for m in db.session.scalars(select(OutboxMessage)))
    assert kinds == ["case_new", "case_new", "feedback", "receipt", "statement_requested"]  # two hospital risk managers


def test_the_openapi_document_describes_the_action_body(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/cases/{reference}/actions"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]["action"]["enum"]) == set(ALLOWED)
    assert "statement:<id>:answer" in schema["description"]
    assert {"200", "404", "409", "422"} <= set(op["responses"])


def test_close_refuses_accepting_the_patients_own_cpr(client, world):
    headers, ref = world
    post(client, headers["rm_h"], ref, "assign", assignee="rm@h.dk")
    body = {"conclusion": "Patient 010190-1234 fik ikke besøg", "learning": "Send epikrisen samme dag."}
    [finding] = post(client, headers["rm_h"], ref, "close", **body).get_json()["findings"]
    response = post(client, headers["rm_h"], ref, "close", not_personal=[finding["id"]], **body)
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["not_personal"]
    assert finding["id"] in message
    assert client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h"]).get_json()["status"] == "in_progress"


def test_edit_takes_statement_fields_by_their_finding_names(client, world):
    headers, ref = world
    post(client, headers["rm_h"], ref, "assign", assignee="rm@h.dk")
    [st] = post(client, headers["rm_h"], ref, "request_statement", org="K-HJ", question="Hvornår kom epikrisen?").get_json()["statements"]
    post(client, headers["rm_k"], ref, "respond", statement_id=st["id"], text="Jens Hansen fik den efter tre dage.")
    response = post(client, headers["rm_h"], ref, "close", conclusion="Epikrisen kom for sent.", learning="Send den samme dag.")
    [finding] = response.get_json()["findings"]
    assert finding["field"] == f"statement:{st['id']}:answer" and finding["text"] == "Jens Hansen"
    response = post(client, headers["rm_k"], ref, "edit", **{finding["field"]: "[NAVN] fik den efter tre dage."})
    assert response.status_code == 404  # only the handling organisation redacts
    response = post(client, headers["rm_h"], ref, "edit", **{finding["field"]: "[NAVN] fik den efter tre dage."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["statements"][0]["answer"] == "[NAVN] fik den efter tre dage."
    response = post(client, headers["rm_h"], ref, "close", conclusion="Epikrisen kom for sent.", learning="Send den samme dag.")
    assert response.status_code == 200 and response.get_json()["status"] == "closed"


def test_a_comment_with_a_phone_number_on_a_closed_case_answers_422_with_the_finding(client, world):
    headers, ref = world
    post(client, headers["rm_h"], ref, "assign", assignee="rm@h.dk")
    assert run(client, world, "rm_h", "close").status_code == 200
    response = post(client, headers["rm_h"], ref, "comment", text="Datteren ringer fra 29384756")
    assert response.status_code == 422
    assert [(f["field"], f["kind"], f["text"]) for f in response.get_json()["findings"]] == [("text", "phone", "29384756")]
    assert post(client, headers["rm_h"], ref, "comment", text="Datteren har ringet").status_code == 200


def test_lowering_the_severity_without_a_reason_is_422_naming_reason(client, world):
    headers, ref = world  # reported as none / serious_or_fatal: serious_risk
    response = post(client, headers["rm_h"], ref, "classify", event_type="medicinering", actual_consequence="none",
                    possible_consequence="none")
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["reason"]
    response = post(client, headers["rm_h"], ref, "classify", event_type="medicinering", actual_consequence="none",
                    possible_consequence="none", reason="Ved gennemgang kunne hændelsen ikke have skadet")
    assert response.status_code == 200 and response.get_json()["severity"] == "no_consequence"


def test_assigning_the_current_handler_again_changes_and_records_nothing(app, client, world):
    headers, ref = world
    for _ in range(2):
        response = post(client, headers["rm_h"], ref, "assign", assignee=EMAIL["rm_h"])
        assert response.status_code == 200 and response.get_json()["status"] == "in_progress"
    with app.app_context():
        case = case_by_ref(ref)
        assert [event.action for event in case.events].count("assign") == 1
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assign")).all()
        assert len(rows) == 1
    other = post(client, headers["rm_h"], ref, "assign", assignee=EMAIL["rm_h_2"])
    assert other.status_code == 200 and other.get_json()["assignee"] == EMAIL["rm_h_2"]
    with app.app_context():
        assert [event.action for event in case_by_ref(ref).events].count("assign") == 2
