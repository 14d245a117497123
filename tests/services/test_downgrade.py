"""Lowering a case's severity needs a reason, kept in the audit trail and the history (SPEC §21)."""
import pytest
from sqlalchemy import select

from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.audit.models import AuditEntry
from uth.errors import Invalid
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.severity import is_downgrade


@pytest.fixture
def region(ctx):
    make_region()
    return ctx


def classify(reference, now, **payload):
    case = perform(user("rm_h"), case_by_ref(reference), "classify", {"event_type": "medicinering", **payload}, now=now)
    db.session.commit()
    return case


def classify_audits(case):
    return [a.detail for a in db.session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == case.id, AuditEntry.action == "case.classify").order_by(AuditEntry.id))]


def test_the_order_of_severities():
    assert is_downgrade("serious_risk", "minor_consequence") and is_downgrade("fatal_consequence", "serious_consequence")
    assert not is_downgrade("serious_risk", "serious_risk") and not is_downgrade("minor_consequence", "serious_risk")
    assert not is_downgrade(None, "no_consequence")


def test_lowering_without_a_reason_is_refused_and_changes_nothing(region, now):
    ref = hospital_case()  # none / serious_or_fatal: serious_risk
    for reason in (None, "", "   "):
        with pytest.raises(Invalid) as err:
            classify(ref, now, actual_consequence="none", possible_consequence="minor", **({"reason": reason} if reason is not None else {}))
        assert list(err.value.errors) == ["reason"]
        db.session.rollback()
    case = case_by_ref(ref)
    assert case.severity == "serious_risk" and case.event_type is None and classify_audits(case) == []


def test_lowering_with_a_reason_keeps_it_in_the_audit_trail_and_the_history(region, now):
    ref = hospital_case()
    case = classify(ref, now, actual_consequence="minor", possible_consequence="minor",
                    reason="Lægen vurderede ved gennemgangen at dosis ikke kunne give alvorlig skade")
    assert case.severity == "minor_consequence"
    [audit] = classify_audits(case)
    assert audit["reason"] == "Lægen vurderede ved gennemgangen at dosis ikke kunne give alvorlig skade"
    assert (audit["severity_from"], audit["severity"]) == ("serious_risk", "minor_consequence")
    event = case.events[-1]
    assert event.action == "classify" and event.detail["reason"].startswith("Lægen vurderede")


def test_raising_or_keeping_the_severity_needs_no_reason(region, now):
    ref = hospital_case()
    case = classify(ref, now, actual_consequence="none", possible_consequence="serious_or_fatal")  # the same category
    assert case.severity == "serious_risk"
    case = classify(ref, now, actual_consequence="serious")
    assert case.severity == "serious_consequence"
    audits = classify_audits(case)
    assert "reason" not in audits[0] and "severity_from" not in audits[0]
    assert audits[1]["severity_from"] == "serious_risk" and "reason" not in audits[1]


def test_a_reason_naming_the_patient_or_a_cpr_number_is_refused(region, now):
    """The audit trail is append-only: anonymisation at close cannot clean it."""
    ref = hospital_case()
    for reason in ("Jens Hansen fik ingen skade", "Patient 010190-1234 fik ingen skade"):
        with pytest.raises(Invalid) as err:
            classify(ref, now, actual_consequence="none", possible_consequence="none", reason=reason)
        assert "revisionssporet" in err.value.errors["reason"][0]
        db.session.rollback()
    assert case_by_ref(ref).severity == "serious_risk"
