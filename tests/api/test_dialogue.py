"""The dialogue with the reporter through the API (SPEC §19): `message_reporter`, answers by receipt
code and on the staff reporter's own report, mails with a link only, anonymity, 409 once closed, the
close scan of messages and their redaction."""
import json

import pytest
from sqlalchemy import select

from tests.factories import make_org, report_data
from tests.workflow_region import (
    EMAIL,
    api_world,
    hospital_case,
    post_action,
    user,
)
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.models import Case, CaseEvent, CaseMessage

QUESTION = "Hvornår opdagede du, at medicinen manglede?"
ANSWER = "Det var først om aftenen, da hjemmeplejen kom."


@pytest.fixture
def world(app):
    return api_world(app)


act = post_action


def public_report(client, event_org="H-MED", **reporter):
    body = report_data(event_org=event_org, reporter=reporter or None)
    response = client.post("/api/v1/public/reports", json=body)
    assert response.status_code == 201
    return response.get_json()


def text(response) -> str:
    """The JSON answer as text with its letters as written (the wire escapes æ, ø, å)."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def outbox(app, kind):
    with app.app_context():
        return [(m.to_address, m.subject, m.body) for m in
                db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def test_risk_manager_asks_the_public_reporter_who_answers_by_receipt_code(app, client, world):
    headers, _ = world
    receipt = public_report(client, email="datter@example.dk")
    ref, code = receipt["reference"], receipt["receipt_code"]

    response = act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION)
    assert response.status_code == 200
    [message] = response.get_json()["messages"]
    assert message["sender"] == "risk_manager" and message["text"] == QUESTION and set(message) == {"id", "at", "sender", "text"}
    assert response.get_json()["status"] == "new"  # a question changes no state

    status = client.get(f"/api/v1/receipts/{code}").get_json()
    deadlines = client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h"]).get_json()["deadlines"]
    assert status["handling_org"] == "H" and status["close_by"] == deadlines["close_by"]
    # a question changes no state, but the reporter is no longer told the case waits to be seen
    assert status["status_text"] == "Din indberetning er modtaget, og en risikomanager har skrevet til dig."
    assert [m["text"] for m in status["messages"]] == [QUESTION]

    # The reporter is mailed a link, never the case's text.
    [(to, subject, body)] = outbox(app, "reporter_message")
    assert to == "datter@example.dk" and ref in subject and "/public/status" in body
    assert QUESTION not in body and "Epikrise" not in body + subject

    response = client.post(f"/api/v1/receipts/{code}/messages", json={"text": ANSWER})
    assert response.status_code == 201
    assert response.get_json()["sender"] == "reporter" and response.get_json()["text"] == ANSWER

    case = client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h"]).get_json()
    assert [(m["sender"], m["text"]) for m in case["messages"]] == [("risk_manager", QUESTION), ("reporter", ANSWER)]
    # The handling risk managers hear of it by e-mail naming the reference, without the text.
    mails = outbox(app, "reporter_replied")
    assert {to for to, _, _ in mails} == {EMAIL["rm_h"], EMAIL["rm_h_2"]}
    assert all(ref in subject and ANSWER not in body for _, subject, body in mails)


def test_status_text_follows_the_language(client, world):
    code = public_report(client)["receipt_code"]
    assert client.get(f"/api/v1/receipts/{code}?lang=en").get_json()["status_text"].startswith("Your report has been received")


def test_history_and_audit_hold_no_message_text(app, client, world):
    headers, ref = world
    assert act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION).status_code == 200
    assert client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"]).status_code == 201
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        events = [(e.action, e.actor_id) for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
        assert ("message_reporter", user("rm_h").id) in events and ("reporter_message", None) in events
        audit = {e.action: e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id))}
        assert audit["case.message_reporter"].actor_label == EMAIL["rm_h"]
        assert audit["case.reporter_message"].actor_label == EMAIL["nurse"]
        for entry in (audit["case.message_reporter"], audit["case.reporter_message"]):
            assert QUESTION not in str(entry.detail) and ANSWER not in str(entry.detail)
            assert entry.detail["message_id"]


def test_staff_reporter_answers_on_their_own_report_and_nobody_else_can(app, client, world):
    headers, ref = world
    act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION)
    [item] = client.get("/api/v1/reports/mine", headers=headers["nurse"]).get_json()["items"]
    assert [m["text"] for m in item["messages"]] == [QUESTION] and item["handling_org"] == "H"
    [(to, _, body)] = outbox(app, "reporter_message")
    assert to == EMAIL["nurse"] and f"/reports/mine/{ref}" in body and QUESTION not in body

    for other in ("rm_h", "rm_k", "central"):
        response = client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers[other])
        assert response.status_code == 404, other
    assert client.post("/api/v1/reports/UTH-2026-999999/messages", json={"text": ANSWER},
                       headers=headers["nurse"]).status_code == 404
    response = client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"])
    assert response.status_code == 201 and response.get_json()["sender"] == "reporter"


def test_bad_text_is_422_and_an_unknown_code_404(client, world):
    headers, ref = world
    code = public_report(client)["receipt_code"]
    for text in ("", "   ", "x" * 5001, 12):
        assert act(client, headers["rm_h"], ref, "message_reporter", text=text).status_code == 422
        response = client.post(f"/api/v1/receipts/{code}/messages", json={"text": text})
        assert response.status_code == 422 and "text" in response.get_json()["errors"]
        response = client.post(f"/api/v1/reports/{ref}/messages", json={"text": text}, headers=headers["nurse"])
        assert response.status_code == 422
    assert act(client, headers["rm_h"], ref, "message_reporter", text="x" * 5000).status_code == 200
    assert client.post("/api/v1/receipts/AAAA-BBBB-CCCC-DDDD/messages", json={"text": ANSWER}).status_code == 404


@pytest.mark.parametrize("ending", ["close", "reject"])
def test_a_closed_or_rejected_case_refuses_new_messages_with_409(client, world, ending):
    headers, ref = world
    code = public_report(client)["receipt_code"]
    public_ref = client.get(f"/api/v1/receipts/{code}").get_json()["reference"]
    for reference in (ref, public_ref):
        if ending == "close":
            assert act(client, headers["rm_h"], reference, "assign", assignee=EMAIL["rm_h"]).status_code == 200
            assert act(client, headers["rm_h"], reference, "classify", event_type="medicinering",
                       actual_consequence="none", possible_consequence="serious_or_fatal").status_code == 200
            response = act(client, headers["rm_h"], reference, "close", conclusion="Rutinen er ændret.",
                           learning="Send epikrisen samme dag.")
        else:
            response = act(client, headers["rm_h"], reference, "reject", reason="test_case", comment="Øvelse")
        assert response.status_code == 200, response.get_json()
        assert act(client, headers["rm_h"], reference, "message_reporter", text=QUESTION).status_code == 409
    assert client.post(f"/api/v1/receipts/{code}/messages", json={"text": ANSWER}).status_code == 409
    assert client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"]).status_code == 409
    # A reopened case takes messages again.
    assert act(client, headers["rm_h"], ref, "reopen", comment="Ny viden").status_code == 200
    assert client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"]).status_code == 201


def test_the_limited_view_and_the_queue_carry_no_messages(client, world):
    headers, ref = world
    act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION)
    client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"])
    limited = client.get(f"/api/v1/cases/{ref}", headers=headers["rm_k"])
    assert limited.status_code == 200 and limited.get_json()["view"] == "limited"
    assert "messages" not in limited.get_json()
    assert QUESTION not in text(limited) and ANSWER not in text(limited)
    # Only the handling organisation writes to the reporter.
    assert act(client, headers["rm_k"], ref, "message_reporter", text=QUESTION).status_code == 404
    for who in ("rm_h", "rm_k"):
        queue = client.get("/api/v1/cases", headers=headers[who])
        assert queue.status_code == 200 and queue.get_json()["total"] == 1
        assert QUESTION not in text(queue) and ANSWER not in text(queue)
        assert all("messages" not in item for item in queue.get_json()["items"])


def test_an_anonymous_reporter_stays_anonymous_in_the_dialogue(app, client, world):
    headers, _ = world
    with app.app_context():
        ref = hospital_case(anonymous=True)
    act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION)
    assert client.post(f"/api/v1/reports/{ref}/messages", json={"text": ANSWER}, headers=headers["nurse"]).status_code == 201
    # A transfer: the new handling organisation reads the dialogue but never learns who wrote.
    assert act(client, headers["rm_h"], ref, "transfer", org="H2", comment="Forkert routet").status_code == 200
    case = client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h2"])
    assert [m["sender"] for m in case.get_json()["messages"]] == ["risk_manager", "reporter"]
    assert "reporter" not in case.get_json()
    for name in ("Sygeplejerske Hanne", EMAIL["nurse"]):
        assert name not in text(case)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.reporter_message"))
        assert entry.actor_label == "anonymous" and entry.actor_id is None and entry.ip is None


def test_public_messages_count_against_the_public_limit(app, client, world):
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "3 per hour"
    code = public_report(client)["receipt_code"]
    codes = [client.post(f"/api/v1/receipts/{code}/messages", json={"text": ANSWER}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]  # the report itself counted as the first of the three


def _ready_to_close(client, headers, ref):
    assert act(client, headers["rm_h"], ref, "assign", assignee=EMAIL["rm_h"]).status_code == 200
    assert act(client, headers["rm_h"], ref, "classify", event_type="medicinering", actual_consequence="none",
               possible_consequence="serious_or_fatal").status_code == 200


CLOSE = {"conclusion": "Rutinen er ændret.", "learning": "Send epikrisen samme dag."}


def test_a_phone_number_in_a_message_blocks_close_until_redacted(app, client, world):
    headers, ref = world
    _ready_to_close(client, headers, ref)
    act(client, headers["rm_h"], ref, "message_reporter", text=QUESTION)
    reply = client.post(f"/api/v1/reports/{ref}/messages", json={"text": "Ring til mig på 22 33 44 55 i aften."},
                        headers=headers["nurse"]).get_json()
    response = act(client, headers["rm_h"], ref, "close", **CLOSE)
    assert response.status_code == 422
    [finding] = response.get_json()["findings"]
    assert finding["field"] == f"message:{reply['id']}" and finding["kind"] == "phone" and finding["text"] == "22 33 44 55"

    response = act(client, headers["rm_h"], ref, "edit", **{f"message:{reply['id']}": "Ring til mig på [TELEFON] i aften."})
    assert response.status_code == 200
    assert response.get_json()["messages"][1]["text"] == "Ring til mig på [TELEFON] i aften."
    response = act(client, headers["rm_h"], ref, "close", **CLOSE)
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    # The reporter still reads the (cleaned) dialogue after the close.
    [item] = client.get("/api/v1/reports/mine", headers=headers["nurse"]).get_json()["items"]
    assert [m["text"] for m in item["messages"]] == [QUESTION, "Ring til mig på [TELEFON] i aften."]


def test_edit_of_an_unknown_message_is_422(client, world):
    headers, ref = world
    response = act(client, headers["rm_h"], ref, "edit", **{"message:999": "Ny tekst"})
    assert response.status_code == 422 and "message:999" in response.get_json()["errors"]


def test_anonymisation_cleans_what_the_close_let_through(app, client, world):
    headers, ref = world
    _ready_to_close(client, headers, ref)
    # "Helle" is the handler's name: a finding the handler may accept as not personal data at close.
    act(client, headers["rm_h"], ref, "message_reporter", text="Helle her: hvornår kom hjemmeplejen?")
    response = act(client, headers["rm_h"], ref, "close", **CLOSE)
    [finding] = response.get_json()["findings"]
    assert finding["field"].startswith("message:") and finding["kind"] == "name"
    response = act(client, headers["rm_h"], ref, "close", **CLOSE, not_personal=[finding["id"]])
    assert response.status_code == 200
    with app.app_context():
        [message] = db.session.scalars(select(CaseMessage))
        assert message.text == "[NAVN] her: hvornår kom hjemmeplejen?"


def test_on_an_unrouted_case_the_central_risk_managers_hear_of_the_answer(app, client, world):
    headers, _ = world
    with app.app_context():
        make_org("H3", "hospital", parent="R", name="Nyt Hospital")  # no risk manager of its own: unrouted
    receipt = public_report(client, event_org="H3", email="datter@example.dk")
    case = client.get(f"/api/v1/cases/{receipt['reference']}", headers=headers["central"]).get_json()
    assert case["handling_org"] is None
    assert act(client, headers["central"], receipt["reference"], "message_reporter", text=QUESTION).status_code == 200
    assert client.post(f"/api/v1/receipts/{receipt['receipt_code']}/messages", json={"text": ANSWER}).status_code == 201
    assert {to for to, _, _ in outbox(app, "reporter_replied")} == {EMAIL["central"]}
    assert client.get(f"/api/v1/receipts/{receipt['receipt_code']}").get_json()["handling_org"] is None
