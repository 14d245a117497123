"""Each workflow action's effect: the stored row, the history entry, the audit row and the outbox message."""
from datetime import date

import pytest
from sqlalchemy import select, text

from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.audit.models import AuditEntry
from uth.errors import Blocked, FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.handling.actions import perform
from uth.handling.offers import offered_actions, open_statements_for
from uth.notifications.models import OutboxMessage
from uth.reports.models import CaseEvent
from uth.reports.presenters import case_json


@pytest.fixture
def region(ctx):
    make_region()
    return ctx


def act(who, reference, action, now, **payload):
    case = perform(user(who), case_by_ref(reference), action, payload, now=now)
    db.session.commit()
    return case


def outbox(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def audit_actions(case):
    return [a.action for a in db.session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id))]


def test_acknowledge_sends_a_receipt_without_case_content(region, now):
    ref = hospital_case()
    case = act("rm_h", ref, "acknowledge", now)
    assert case.status == "acknowledged" and case.acknowledged_at == now and case.updated_at == now
    assert [e.action for e in case.events] == ["submitted", "acknowledge"]
    assert "case.acknowledge" in audit_actions(case)
    [mail] = outbox("receipt")
    assert mail.to_address == "nurse@h.dk" and ref in mail.body
    assert case.title not in mail.body and "Jens" not in mail.body and "epikrise" not in mail.body.lower()


def test_assign_implies_acknowledge_and_checks_the_assignee(region, now):
    ref = hospital_case()
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "assign", now, assignee="rm@k.dk")  # the kommune cannot handle the hospital's case
    assert "assignee" in err.value.errors
    with pytest.raises(Invalid):
        act("rm_h", ref, "assign", now, assignee="nurse@h.dk")
    case = act("rm_h", ref, "assign", now, assignee="rm2@h.dk")
    assert case.status == "in_progress" and case.assignee.email == "rm2@h.dk" and case.acknowledged_at == now
    assert len(outbox("receipt")) == 1
    assert case.events[-1].detail["assignee"] == "Risikomanager Holger"


def test_transfer_keeps_deadlines_and_protects_an_anonymous_reporter(region, now):
    ref = hospital_case(anonymous=True)
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    before = case_by_ref(ref)
    ack_by, close_by = before.acknowledge_by, before.close_by
    case = act("rm_h", ref, "transfer", now, org="H2", comment="Hændelsen skete på det andet hospital")
    assert case.handling_org.code == "H2" and case.owning_org.code == "H" and case.assignee is None
    assert (case.acknowledge_by, case.close_by) == (ack_by, close_by)
    assert "H" not in {link.org.code for link in case.involved}
    assert case.status == "in_progress"
    assert [m.to_address for m in outbox("case_transferred")] == ["rm@h2.dk"]
    new_view = case_json(case, user("rm_h2"), now, purpose="sagsbehandling")
    assert new_view["view"] == "full" and "reporter" not in new_view and new_view["patient"]["name"] == "Jens Hansen"
    assert case_json(case, user("central"), now)["reporter"]["email"] == "nurse@h.dk"  # central over the owning org
    old_view = case_json(case, user("rm_h"), now, purpose="sagsbehandling")  # still involved through H-MED, the transition's origin
    assert old_view["view"] == "limited" and "reporter" not in old_view and "patient" not in old_view
    with pytest.raises(NotFound):
        act("rm_h", ref, "edit", now, title="Vi har ikke sagen mere")


def test_transfer_input_is_checked(region, now):
    ref = hospital_case()
    for payload, field in [({"org": "H", "comment": "x"}, "org"), ({"org": "NOPE", "comment": "x"}, "org"),
                           ({"org": "H2"}, "comment")]:
        with pytest.raises(Invalid) as err:
            act("rm_h", ref, "transfer", now, **payload)
        assert field in err.value.errors


def test_classify_recomputes_severity(region, now):
    ref = hospital_case()
    case = act("rm_h", ref, "classify", now, event_type="medicinering.ordination", actual_consequence="serious",
               possible_consequence="minor", ncc_merp="E", sac="2")
    assert (case.event_type, case.severity, case.possible_consequence, case.ncc_merp, case.sac) == (
        "medicinering.ordination", "serious_consequence", None, "E", 2)
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "classify", now, event_type="nonsense", actual_consequence="minor", possible_consequence="none")
    assert set(err.value.errors) == {"event_type", "possible_consequence"}


def test_statement_round_trip_across_two_organisations(region, now):
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    case = act("rm_h", ref, "request_statement", now, org="K-HJ", question="Hvornår modtog hjemmeplejen epikrisen?")
    [st] = case.statements
    assert case.status == "awaiting_statement" and st.org.code == "K-HJ"
    assert st.respond_by == date(2026, 12, 7)  # 10 working days from Monday 23 November
    [mail] = outbox("statement_requested")
    assert mail.to_address == "rm@k.dk" and "07-12-2026" in mail.body  # K-HJ has none: its parent's risk manager
    assert "respond" in offered_actions(user("rm_k"), case) and "close" not in offered_actions(user("rm_k"), case)
    assert open_statements_for(user("rm_h"), case) == []
    with pytest.raises(NotFound):
        act("rm_h", ref, "respond", now, statement_id=st.id, text="Svar fra den forkerte")
    case = act("rm_k", ref, "respond", now, statement_id=st.id, text="Den kom først efter tre dage.")
    assert case.status == "in_progress" and case.statements[0].answer == "Den kom først efter tre dage."
    assert case.statements[0].answered_by_id == user("rm_k").id
    assert [e.action for e in case.events][-2:] == ["request_statement", "respond"]
    assert audit_actions(case)[-2:] == ["case.request_statement", "case.respond"]
    with pytest.raises(InvalidTransition):
        act("rm_k", ref, "respond", now, statement_id=st.id, text="Igen")


def test_statement_to_an_uninvolved_org_makes_it_involved_and_waits_for_every_answer(region, now):
    ref = hospital_case(transition=None)
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    with pytest.raises(Invalid):
        act("rm_h", ref, "request_statement", now, org="H", question="Os selv?")
    case = act("rm_h", ref, "request_statement", now, org="K2", question="Har I set lignende?")
    assert [link.org.code for link in case.involved] == ["K2"] and case.cross_sector is True
    case_by_ref(ref).status = "in_progress"  # a second request (only allowed from in_progress)
    db.session.commit()
    act("rm_h", ref, "request_statement", now, org="H2", question="Og I?")
    first = case_by_ref(ref).statements[0]
    case = act("rm_k2", ref, "respond", now, statement_id=first.id, text="Nej, ikke her.")
    assert case.status == "awaiting_statement"  # H2 has not answered yet


def test_involved_org_may_comment_but_not_handle(region, now):
    ref = hospital_case()
    case = act("rm_k", ref, "comment", now, text="Vi kigger på vores udskrivningsrutine.")
    assert case.events[-1].detail == {"comment": "Vi kigger på vores udskrivningsrutine."}
    for action in ("acknowledge", "reject", "edit", "close"):
        with pytest.raises(NotFound):
            act("rm_k", ref, action, now, reason="other", comment="x", title="x")
    assert offered_actions(user("rm_k"), case_by_ref(ref)) == {"comment"}


def test_edit_keeps_no_replaced_text_anywhere(region, now):
    ref = hospital_case(title="Gammel overskrift med Jens", consequence="Gammel konsekvenstekst")
    case = act("rm_h", ref, "edit", now, title="Epikrise forsinket", consequence="", description=case_by_ref(ref).description)
    assert case.title == "Epikrise forsinket" and case.consequence is None
    assert case.events[-1].detail == {"fields": ["title", "consequence"]}
    dumps = [str(row) for table in ("case_events", "audit_entries") for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    assert not any("Gammel" in row for row in dumps)
    with pytest.raises(Invalid):
        act("rm_h", ref, "edit", now, description="for kort")
    with pytest.raises(Invalid):
        act("rm_h", ref, "edit", now)


def test_reject_reasons_comment_and_duplicate_link(region, now):
    original = hospital_case()
    ref = hospital_case()
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "reject", now, reason="spam", comment="")
    assert set(err.value.errors) == {"reason", "comment"}
    for dup, field in [(None, "duplicate_of"), (ref, "duplicate_of"), ("UTH-2026-999999", "duplicate_of")]:
        with pytest.raises(Invalid) as err:
            act("rm_h", ref, "reject", now, reason="duplicate", comment="Samme hændelse", duplicate_of=dup)
        assert field in err.value.errors
    case = act("rm_h", ref, "reject", now, reason="duplicate", comment="Samme hændelse", duplicate_of=original)
    assert case.status == "rejected" and case.duplicate_of.reference == original and case.reject_reason == "duplicate"
    assert case_json(case, user("rm_h"), now)["duplicate_of"] == original
    assert case.events[-1].detail["duplicate_of"] == original


def test_close_needs_classification_and_a_clean_anonymisation_check(region, now):
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    with pytest.raises(Blocked) as err:
        act("rm_h", ref, "close", now, conclusion="Rutine ændret", learning="Send epikrisen samme dag")
    assert set(err.value.errors) == {"event_type"} and err.value.status == 422
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    # A CPR-shaped number that is not the patient's (0101901234): a false positive the handler may accept.
    with pytest.raises(Blocked) as err:
        act("rm_h", ref, "close", now, conclusion="Lotnummer 150875-2222 var fejlmærket", learning="Send epikrisen samme dag")
    [finding] = err.value.findings
    assert finding["field"] == "conclusion" and finding["kind"] == "cpr"
    assert case_by_ref(ref).status == "in_progress" and case_by_ref(ref).conclusion is None
    case = act("rm_h", ref, "close", now, conclusion="Lotnummer 150875-2222 var fejlmærket",
               learning="Send epikrisen samme dag", not_personal=[finding["id"]])
    assert case.status == "closed" and case.closed_at == now and case.feedback
    assert case.patient_cpr is None and case.reporter_email is None and case.anonymised_at == now
    [mail] = outbox("feedback")
    assert mail.to_address == "nurse@h.dk" and case.feedback in mail.body
    assert {"case.close", "case.anonymised"} <= set(audit_actions(case))


def test_reopen_needs_a_comment_and_returns_to_in_progress(region, now):
    ref = hospital_case()
    act("rm_h", ref, "reject", now, reason="test_case", comment="Testsag")
    with pytest.raises(Invalid):
        act("rm_h", ref, "reopen", now, comment=" ")
    case = act("rm_h", ref, "reopen", now, comment="Det var alligevel en rigtig hændelse")
    assert case.status == "in_progress" and case.reject_reason is None
    assert audit_actions(case)[-1] == "case.reopen"


def test_unknown_action_and_wrong_state(region, now):
    ref = hospital_case()
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "archive", now)
    assert "action" in err.value.errors
    with pytest.raises(Blocked) as err:
        act("rm_h", ref, "close", now, conclusion="x", learning="y")
    assert err.value.status == 409
    assert db.session.scalar(select(CaseEvent.action).order_by(CaseEvent.id.desc())) == "submitted"


def _close_refused(ref, now, conclusion, learning="Send epikrisen samme dag"):
    with pytest.raises(Blocked) as err:
        act("rm_h", ref, "close", now, conclusion=conclusion, learning=learning)
    return err.value.findings


@pytest.mark.parametrize("conclusion", [
    "Patient 010190-1234 fik ikke besøg",          # the patient's own CPR (reported as 0101901234)
    "Patient 0101901234 fik ikke besøg",
    "Jens Hansens epikrise kom ikke frem",          # the patient's name, genitive
    "Indberetteren Sygeplejerske Hanne ringede",    # the reporter's structured name
    "Svar sendt til nurse@h.dk",                    # the reporter's e-mail
])
def test_the_cases_own_personal_data_can_never_be_accepted_as_not_personal(region, now, conclusion):
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    [finding] = _close_refused(ref, now, conclusion)
    with pytest.raises(Blocked) as err:
        act("rm_h", ref, "close", now, conclusion=conclusion, learning="Send epikrisen samme dag", not_personal=[finding["id"]])
    [message] = err.value.errors["not_personal"]
    assert finding["id"] in message and finding["text"] in message
    case = case_by_ref(ref)
    assert case.status == "in_progress" and case.patient_cpr == "010190-1234" and case.conclusion is None
    assert _close_refused(ref, now, conclusion) == [finding]  # still blocking; `edit` the text instead


def test_reporter_phone_and_a_name_part_alone(region, now):
    """The reporter's phone is the case's own data; a single part of a name may still be a false positive."""
    ref = hospital_case(reporter={"phone": "+45 29 38 47 56"})
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    [phone] = _close_refused(ref, now, "Ring 29384756 ved spørgsmål")
    with pytest.raises(Blocked):
        act("rm_h", ref, "close", now, conclusion="Ring 29384756 ved spørgsmål", learning="Send epikrisen samme dag",
            not_personal=[phone["id"]])
    [part] = _close_refused(ref, now, "Hansen-skemaet blev ikke brugt")
    case = act("rm_h", ref, "close", now, conclusion="Hansen-skemaet blev ikke brugt", learning="Send epikrisen samme dag",
               not_personal=[part["id"]])
    assert case.status == "closed"


def _answered_statement(ref, now, answer):
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "request_statement", now, org="K-HJ", question="Hvornår modtog I Jens Hansens epikrise?")
    statement_id = case_by_ref(ref).statements[0].id
    act("rm_k", ref, "respond", now, statement_id=statement_id, text=answer)
    return statement_id


def test_the_handler_edits_a_statements_question_and_answer_and_the_old_text_is_kept_nowhere(region, now):
    ref = hospital_case()
    sid = _answered_statement(ref, now, "Hjemmeplejen ringede til Jens Hansen på 0101901234 dagen efter.")
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    fields = {f["field"] for f in _close_refused(ref, now, "Epikrisen kom for sent")}
    assert fields == {f"statement:{sid}:question", f"statement:{sid}:answer"}
    case = act("rm_h", ref, "edit", now, **{f"statement:{sid}:question": "Hvornår modtog I [NAVN]s epikrise?",
                                           f"statement:{sid}:answer": "Hjemmeplejen ringede til [NAVN] på [CPR] dagen efter."})
    [statement] = case.statements
    assert statement.question == "Hvornår modtog I [NAVN]s epikrise?"
    assert statement.answer == "Hjemmeplejen ringede til [NAVN] på [CPR] dagen efter." and statement.org.code == "K-HJ"
    assert case.events[-1].detail == {"fields": [f"statement:{sid}:question", f"statement:{sid}:answer"]}
    dumps = [str(row) for table in ("case_events", "audit_entries") for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    assert not any("Hjemmeplejen ringede" in row or "Hansen" in row for row in dumps)
    case = act("rm_h", ref, "close", now, conclusion="Epikrisen kom for sent", learning="Send epikrisen samme dag")
    assert case.status == "closed"


def test_statement_edits_are_checked(region, now):
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "request_statement", now, org="K-HJ", question="Hvornår kom epikrisen?")
    sid = case_by_ref(ref).statements[0].id
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "edit", now, **{f"statement:{sid}:answer": "Et svar handleren selv har skrevet"})
    assert set(err.value.errors) == {f"statement:{sid}:answer"}  # not answered yet: nothing to redact
    assert case_by_ref(ref).statements[0].answer is None
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "edit", now, **{f"statement:{sid + 99}:question": "Hvad?", f"statement:{sid}:question": " "})
    assert set(err.value.errors) == {f"statement:{sid + 99}:question", f"statement:{sid}:question"}
    with pytest.raises(NotFound):  # the asked organisation cannot rewrite the handler's question
        act("rm_k", ref, "edit", now, **{f"statement:{sid}:question": "Noget andet"})
    assert case_by_ref(ref).statements[0].question == "Hvornår kom epikrisen?"


def test_a_comment_on_a_closed_case_is_refused_while_it_holds_a_cpr_phone_or_email(region, now):
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    act("rm_h", ref, "close", now, conclusion="Epikrisen kom for sent", learning="Send epikrisen samme dag")
    events = len(case_by_ref(ref).events)
    for note, kind in [("Patienten 010190-1234 har klaget", "cpr"), ("Pårørende ringer fra 29 38 47 56", "phone"),
                       ("Skriv til jens@example.dk", "email")]:
        with pytest.raises(FindingsError) as err:
            act("rm_h", ref, "comment", now, text=note)
        [finding] = err.value.findings
        assert finding["kind"] == kind and finding["field"] == "text"
    assert len(case_by_ref(ref).events) == events
    dumps = [str(row) for table in ("case_events", "audit_entries") for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    assert not any("010190-1234" in row or "29 38 47 56" in row or "jens@example" in row for row in dumps)
    case = act("rm_h", ref, "comment", now, text="Klagen er besvaret")
    assert case.events[-1].detail["comment"] == "Klagen er besvaret"
    with pytest.raises(FindingsError) as err:
        act("rm_h", ref, "comment", now, text="Lotnummer 150875-2222 er tilbagekaldt")
    case = act("rm_h", ref, "comment", now, text="Lotnummer 150875-2222 er tilbagekaldt",
               not_personal=[err.value.findings[0]["id"]])
    assert case.events[-1].detail["comment"] == "Lotnummer 150875-2222 er tilbagekaldt"


def test_reopening_a_closed_case_refuses_personal_data_in_its_reason(region, now):
    """The reason stays in the history of a case anonymised at its close, even if it is rejected later."""
    ref = hospital_case()
    act("rm_h", ref, "assign", now, assignee="rm@h.dk")
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    act("rm_h", ref, "close", now, conclusion="Epikrisen kom for sent", learning="Send epikrisen samme dag")
    with pytest.raises(FindingsError) as err:
        act("rm_h", ref, "reopen", now, comment="Datteren ringede fra 29 38 47 56 med nye oplysninger")
    [finding] = err.value.findings
    assert finding["kind"] == "phone" and finding["field"] == "comment"
    assert case_by_ref(ref).status == "closed"
    case = act("rm_h", ref, "reopen", now, comment="Pårørende har givet nye oplysninger")
    assert case.status == "in_progress" and case.events[-1].detail["comment"] == "Pårørende har givet nye oplysninger"
