"""Anonymisation service: findings of a case, accepted false positives, deletion at close (SPEC §8)."""
from datetime import date

from sqlalchemy import select

from uth.anonymisation.services import anonymise_case, case_findings
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.notifications.services import enqueue
from uth.reports.models import Statement
from tests.conftest import FIXED_NOW
from uth.reports.services import add_event, submit_report
from uth.reports.validation import parse_report
from tests.factories import make_org, make_user, report_data


def _case(**overrides):
    make_org("H", "hospital")
    make_user("rm@h.dk", "risk_manager", "H")
    reporter = make_user("sygeplejerske@h.dk", "reporter", "H", name="Birgitte Holm")
    fields = dict(patient={"cpr": "010203-1234", "name": "Karen Østergaard"},
                  reporter={"phone": "21436587", "profession": "sygeplejerske"})
    fields.update(overrides)
    data = parse_report(report_data(**fields), public=False, reporter=reporter, now=FIXED_NOW)
    case, _ = submit_report(reporter, data, now=FIXED_NOW)
    db.session.commit()
    return case


def test_findings_name_the_field_and_match_structured_names(ctx):
    case = _case(description="Karen Østergaard fik forkert dosis; ring 21 43 65 87 eller skriv til a@b.dk.")
    case.conclusion = "Birgitte tjekkede 010203-1234."
    findings = case_findings(case)
    got = {(f["field"], f["kind"], f["text"]) for f in findings}
    assert ("description", "name", "Karen Østergaard") in got
    assert ("description", "phone", "21 43 65 87") in got
    assert ("description", "email", "a@b.dk") in got
    assert ("conclusion", "name", "Birgitte") in got
    assert ("conclusion", "cpr", "010203-1234") in got
    assert all(set(f) == {"id", "field", "kind", "text"} for f in findings)


def test_statement_answers_and_questions_are_scanned(ctx):
    case = _case()
    case.statements.append(Statement(org_id=case.handling_org_id, question="Hvad skete der med Karen?",
                                     requested_at=FIXED_NOW, respond_by=date(2026, 12, 7),
                                     answer="Hun blev ringet op på 31415926."))
    db.session.flush()
    sid = case.statements[0].id
    fields = {f["field"] for f in case_findings(case)}
    assert {f"statement:{sid}:question", f"statement:{sid}:answer"} <= fields


def test_not_personal_drops_accepted_findings_and_overrides_are_scanned(ctx):
    case = _case(description="Patienten fik for meget medicin, opdaget af Holm på afdelingen.")
    findings = case_findings(case)
    assert [f["text"] for f in findings] == ["Holm"]
    assert case_findings(case, not_personal=[findings[0]["id"]]) == []
    found = case_findings(case, [findings[0]["id"]], overrides={"learning": "Ring 21436587"})
    assert [(f["field"], f["kind"]) for f in found] == [("learning", "phone")]


def test_anonymise_deletes_personal_fields_and_keeps_reporter_link(ctx):
    case = _case()
    reporter_id = case.reporter_user_id
    anonymise_case(case, None, now=FIXED_NOW)
    db.session.commit()
    db.session.expire_all()
    assert case.patient_cpr is None and case.patient_name is None
    assert (case.reporter_name, case.reporter_email, case.reporter_phone, case.reporter_profession) == (None,) * 4
    assert case.reporter_user_id == reporter_id
    assert case.anonymised_at == FIXED_NOW
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.anonymised"))
    assert "patient_cpr" in entry.detail["fields"]
    assert "010203" not in str(entry.detail) and "Karen" not in str(entry.detail)


def test_anonymise_purges_delivered_outbox_but_keeps_pending_feedback(ctx):
    case = _case()
    sent = enqueue("receipt", "sygeplejerske@h.dk", "Kvittering", "Karen Østergaard", now=FIXED_NOW, case=case)
    sent.status = "sent"
    pending = enqueue("case_closed", "sygeplejerske@h.dk", "Afsluttet", "Tak", now=FIXED_NOW, case=case)
    db.session.flush()
    sent_id, pending_id = sent.id, pending.id
    anonymise_case(case, None, now=FIXED_NOW)
    db.session.commit()
    ids = set(db.session.scalars(select(OutboxMessage.id)))
    assert sent_id not in ids and pending_id in ids


def test_anonymise_redacts_personal_data_in_history_comments(ctx):
    case = _case()
    add_event(case, None, "comment", now=FIXED_NOW, comment="Talte med Karen Østergaard på 21436587")
    db.session.flush()
    anonymise_case(case, None, now=FIXED_NOW)
    db.session.commit()
    comment = [e for e in case.events if e.action == "comment"][0].detail["comment"]
    assert comment == "Talte med [NAVN] på [TELEFON]"


def test_accepting_the_cases_own_cpr_or_names_has_no_effect(ctx):
    case = _case(description="Karen Østergaards CPR 0102031234 og Birgitte Holm på 21 43 65 87 står i journalen.")
    findings = case_findings(case)
    assert [(f["kind"], f["text"]) for f in findings] == [
        ("name", "Karen Østergaards"), ("cpr", "0102031234"), ("name", "Birgitte Holm"), ("phone", "21 43 65 87")]
    assert case_findings(case, not_personal=[f["id"] for f in findings]) == findings
