"""Issue 12: a case awaiting a statement is no dead end: the request can be reminded (mail) and
withdrawn (with a reason, audited, in the history), and an overdue one is escalated by the sweep once."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import FIXED_NOW
from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.audit.models import AuditEntry
from uth.errors import Blocked, Invalid
from uth.extensions import db
from uth.handling.actions import perform
from uth.handling.offers import offered_actions
from uth.handling.sweep import sweep_deadlines
from uth.notifications.models import OutboxMessage


@pytest.fixture
def awaiting(ctx):
    make_region()
    ref = hospital_case(event_type="medicinering")
    case = case_by_ref(ref)
    perform(user("rm_h"), case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
    perform(user("rm_h"), case, "request_statement", {"org": "K-HJ", "question": "Hvornår kom epikrisen?"}, now=FIXED_NOW)
    db.session.commit()
    return ref, case.statements[0].id


def _mails(kind):
    return sorted(m.to_address for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_remind_mails_the_asked_organisation_and_is_in_the_history(awaiting):
    ref, sid = awaiting
    case = perform(user("rm_h"), case_by_ref(ref), "remind_statement", {"statement_id": sid}, now=FIXED_NOW)
    db.session.commit()
    assert _mails("statement_reminder") == ["rm@k.dk"]
    assert case.statements[0].reminded_at == FIXED_NOW and case.status == "awaiting_statement"
    assert case.events[-1].action == "remind_statement"


def test_withdraw_needs_a_reason_then_the_case_can_close(awaiting):
    ref, sid = awaiting
    with pytest.raises(Blocked) as refused:
        perform(user("rm_h"), case_by_ref(ref), "close", {"conclusion": "x", "learning": "y"}, now=FIXED_NOW)
    assert refused.value.status == 409
    assert [b["kind"] for b in refused.value.blockers] == ["statement"]
    assert "Hjemmeplejen" in refused.value.blockers[0]["message"]
    db.session.rollback()
    with pytest.raises(Invalid) as err:
        perform(user("rm_h"), case_by_ref(ref), "withdraw_statement", {"statement_id": sid, "comment": " "}, now=FIXED_NOW)
    assert set(err.value.errors) == {"comment"}
    db.session.rollback()

    case = perform(user("rm_h"), case_by_ref(ref), "withdraw_statement",
                   {"statement_id": sid, "comment": "Hjemmeplejen har allerede svaret i telefonen."}, now=FIXED_NOW)
    db.session.commit()
    case = case_by_ref(ref)
    assert case.status == "in_progress" and case.statements[0].withdrawn_at == FIXED_NOW
    assert case.events[-1].detail["comment"] == "Hjemmeplejen har allerede svaret i telefonen."
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.withdraw_statement")).one()
    assert entry.detail["comment_given"] is True and "comment" not in entry.detail
    assert _mails("statement_withdrawn") == ["rm@k.dk"]
    assert "respond" not in offered_actions(user("rm_k"), case)
    case = perform(user("rm_h"), case_by_ref(ref), "close", {"conclusion": "Epikrisen kom for sent.",
                                                              "learning": "Send den elektronisk."}, now=FIXED_NOW)
    assert case.status == "closed"


def test_an_overdue_statement_is_escalated_once_to_both_organisations(awaiting):
    ref, sid = awaiting
    later = FIXED_NOW + timedelta(days=30)
    sweep_deadlines(now=later)
    db.session.commit()
    overdue = sorted((m.to_address, m.subject) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "deadline_overdue", OutboxMessage.subject.contains("udtalelse"))))
    assert {to for to, _ in overdue} == {"rm@h.dk", "rm2@h.dk", "rm@k.dk"}
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_address == "rm@k.dk",
                                                               OutboxMessage.kind == "deadline_overdue")).first()
    assert "påmindelse" in body and "trække anmodningen tilbage" in body
    count = db.session.query(OutboxMessage).count()
    sweep_deadlines(now=later + timedelta(days=1))
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == count  # once


def test_withdraw_and_remind_through_the_api(awaiting, client):
    from tests.factories import auth_header, make_token
    ref, sid = awaiting
    headers = auth_header(make_token(user("rm_h")))
    reminded = client.post(f"/api/v1/cases/{ref}/actions", headers=headers, json={"action": "remind_statement", "statement_id": sid})
    assert reminded.status_code == 200 and reminded.get_json()["statements"][0]["reminded_at"]
    refused = client.post(f"/api/v1/cases/{ref}/actions", headers=headers, json={"action": "withdraw_statement", "statement_id": sid})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"comment"}
    done = client.post(f"/api/v1/cases/{ref}/actions", headers=headers,
                       json={"action": "withdraw_statement", "statement_id": sid, "comment": "Ikke længere nødvendig."})
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "in_progress" and body["statements"][0]["withdrawn_at"]
