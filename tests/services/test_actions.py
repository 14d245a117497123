"""Each workflow action's effect: the stored row, the history entry, the audit row and the outbox message."""
from datetime import date

import pytest
from sqlalchemy import select, text

from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.audit.models import AuditEntry
from uth.errors import FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.actions import perform
from uth.reports.handling import offered_actions, open_statements_for
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
    with pytest.raises(Invalid) as err:
        act("rm_h", ref, "close", now, conclusion="Rutine ændret", learning="Send epikrisen samme dag")
    assert set(err.value.errors) == {"event_type"}
    act("rm_h", ref, "classify", now, event_type="medicinering", actual_consequence="none", possible_consequence="minor")
    with pytest.raises(FindingsError) as err:
        act("rm_h", ref, "close", now, conclusion="Patient 010190-1234 fik ikke besøg", learning="Send epikrisen samme dag")
    [finding] = err.value.findings
    assert finding["field"] == "conclusion" and finding["kind"] == "cpr"
    assert case_by_ref(ref).status == "in_progress" and case_by_ref(ref).conclusion is None
    case = act("rm_h", ref, "close", now, conclusion="Patient 010190-1234 fik ikke besøg",
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
    with pytest.raises(InvalidTransition):
        act("rm_h", ref, "close", now, conclusion="x", learning="y")
    assert db.session.scalar(select(CaseEvent.action).order_by(CaseEvent.id.desc())) == "submitted"
