"""The one case <-> R5 AdverseEvent mapping (SPEC §22), without a database."""
from datetime import datetime, timezone

import pytest

from tests.fhir_r5 import valid_adverse_event, valid_outcome
from uth.fhir.mapping import EventFacts, adverse_event, operation_outcome, outcome_issues, read_adverse_event

FACTS = EventFacts(
    reference="UTH-2026-000042", status="closed",
    received_at=datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc),
    occurred_at=datetime(2026, 11, 22, 13, 30, tzinfo=timezone.utc),
    title="Epikrise ikke modtaget", description="Egen læge modtog ikke epikrisen før kontrollen.",
    actual_consequence="minor", possible_consequence="serious_or_fatal", severity="serious_risk",
    event_type="overgange.epikrise", event_type_label="Epikrise mangler", event_org="H-MED", reporting_org="K-HJ",
    contributing_factors=(("kommunikation", "Kommunikation"),),
)


def posted(**overrides) -> dict:
    """An AdverseEvent as a local system would post it."""
    resource = {
        "resourceType": "AdverseEvent", "status": "completed", "actuality": "actual",
        "subject": {"identifier": {"system": "urn:oid:1.2.208.176.1.2", "value": "170845-4321"}},
        "code": {"text": "Forkert dosis", "coding": [{"system": "urn:uth:event-type", "code": "medicin.dosis"}]},
        "occurrenceDateTime": "2026-11-22T14:30:00+01:00",
        "participant": [
            {"function": {"coding": [{"system": "urn:uth:participant-function", "code": "event"}]},
             "actor": {"identifier": {"system": "urn:uth:org", "value": "H-MED"}, "display": "Medicinsk afdeling"}},
            {"function": {"coding": [{"system": "urn:uth:participant-function", "code": "reporting"}]},
             "actor": {"identifier": {"system": "urn:uth:org", "value": "K-HJ"}}},
        ],
        "extension": [{"url": "urn:uth:actual-consequence", "valueCode": "minor"},
                      {"url": "urn:uth:possible-consequence", "valueCode": "minor"}],
        "note": [{"text": "Patienten fik dobbelt dosis ved udskrivelsen."}],
    }
    resource.update(overrides)
    return {k: v for k, v in resource.items() if v is not None}


def expressions(inbound) -> list[str]:
    return [issue.expression for issue in inbound.issues]


def test_out_is_valid_r5_and_carries_the_table():
    resource = adverse_event(FACTS)
    valid_adverse_event(resource)
    assert resource["identifier"] == [{"system": "urn:uth:reference", "value": "UTH-2026-000042"}]
    assert resource["status"] == "completed" and resource["actuality"] == "actual"
    assert resource["subject"] == {"display": "Anonymiseret"}
    assert resource["code"] == {"text": "Epikrise ikke modtaget", "coding": [
        {"system": "urn:uth:event-type", "code": "overgange.epikrise", "display": "Epikrise mangler"}]}
    assert resource["occurrenceDateTime"] == "2026-11-22T14:30:00+01:00"  # the same instant, Copenhagen time
    assert resource["recordedDate"] == "2026-11-23T10:00:00+01:00"
    assert [(p["function"]["coding"][0]["code"], p["actor"]["identifier"]) for p in resource["participant"]] == [
        ("event", {"system": "urn:uth:org", "value": "H-MED"}), ("reporting", {"system": "urn:uth:org", "value": "K-HJ"})]
    assert resource["extension"] == [{"url": "urn:uth:actual-consequence", "valueCode": "minor"},
                                     {"url": "urn:uth:possible-consequence", "valueCode": "serious_or_fatal"}]
    assert resource["seriousness"] == {"coding": [{"system": "urn:uth:severity", "code": "serious_risk"}]}
    assert resource["contributingFactor"][0]["itemCodeableConcept"]["text"] == "Kommunikation"
    assert resource["note"] == [{"text": "Egen læge modtog ikke epikrisen før kontrollen."}]


@pytest.mark.parametrize(("status", "actual", "r5_status", "actuality"), [
    ("new", "none", "in-progress", "potential"), ("awaiting_statement", "serious", "in-progress", "actual"),
    ("closed", "none", "completed", "potential"), ("rejected", "fatal", "entered-in-error", "actual")])
def test_status_and_actuality(status, actual, r5_status, actuality):
    facts = EventFacts(**{**FACTS.__dict__, "status": status, "actual_consequence": actual, "possible_consequence": None,
                          "event_type": None, "contributing_factors": ()})
    resource = adverse_event(facts)
    valid_adverse_event(resource)
    assert (resource["status"], resource["actuality"]) == (r5_status, actuality)
    assert "coding" not in resource["code"] and "contributingFactor" not in resource
    assert [e["url"] for e in resource["extension"]] == ["urn:uth:actual-consequence"]


def test_in_reads_the_report_fields_and_ignores_the_subject():
    inbound = read_adverse_event(posted())
    assert inbound.issues == []
    assert inbound.report == {
        "title": "Forkert dosis", "event_type": "medicin.dosis", "occurred_at": "2026-11-22T14:30:00+01:00",
        "event_org": "H-MED", "reporting_org": "K-HJ", "actual_consequence": "minor", "possible_consequence": "minor",
        "description": "Patienten fik dobbelt dosis ved udskrivelsen."}
    assert "170845-4321" not in repr(inbound)
    assert inbound.sources["event_org"] == "AdverseEvent.participant[0].actor.identifier.value"
    assert inbound.sources["event_type"] == "AdverseEvent.code.coding[0].code"


def test_what_goes_out_comes_back_in():
    inbound = read_adverse_event(adverse_event(FACTS))
    assert {k: inbound.report[k] for k in ("title", "event_type", "event_org", "reporting_org", "actual_consequence",
                                           "possible_consequence", "description")} == {
        "title": FACTS.title, "event_type": FACTS.event_type, "event_org": "H-MED", "reporting_org": "K-HJ",
        "actual_consequence": "minor", "possible_consequence": "serious_or_fatal", "description": FACTS.description}
    assert datetime.fromisoformat(inbound.report["occurred_at"]) == FACTS.occurred_at
    # What UTH sets itself is refused by name, never taken in silently.
    assert sorted(expressions(inbound)) == ["AdverseEvent.contributingFactor", "AdverseEvent.identifier",
                                            "AdverseEvent.recordedDate", "AdverseEvent.seriousness"]


@pytest.mark.parametrize(("resource", "expression"), [
    ({"resourceType": "Patient"}, "AdverseEvent.resourceType"),
    ([posted()], "AdverseEvent.resourceType"),
    (posted(status=None), "AdverseEvent.status"),
    (posted(status="done"), "AdverseEvent.status"),
    (posted(subject=None), "AdverseEvent.subject"),
    (posted(actuality="potential"), "AdverseEvent.actuality"),  # actual consequence minor: something happened
    (posted(location={"display": "Stue 4"}), "AdverseEvent.location"),
    (posted(occurrencePeriod={"start": "2026-11-22"}), "AdverseEvent.occurrencePeriod"),
    (posted(code={"text": "Forkert dosis", "coding": [{"system": "http://snomed.info/sct", "code": "1"}]}),
     "AdverseEvent.code.coding[0].system"),
    (posted(extension=[{"url": "urn:uth:actual-consequence", "valueCode": "minor"}, {"url": "urn:x", "valueCode": "y"}]),
     "AdverseEvent.extension[1].url"),
    (posted(note=[{"text": "Patienten fik dobbelt dosis ved udskrivelsen."}, {"text": "Mere"}]), "AdverseEvent.note[1]"),
    (posted(note=[{"text": "Patienten fik dobbelt dosis ved udskrivelsen.", "authorString": "Nanna"}]),
     "AdverseEvent.note[0].authorString"),
    (posted(participant=[{"function": {"coding": [{"system": "urn:uth:participant-function", "code": "event"}]},
                          "actor": {"identifier": {"system": "urn:oid:1.2.208.176.1.1", "value": "123"}}}]),
     "AdverseEvent.participant[0].actor.identifier.system"),
    (posted(participant=[{"function": {"coding": [{"system": "urn:uth:participant-function", "code": "witness"}]},
                          "actor": {"identifier": {"system": "urn:uth:org", "value": "H"}}}]),
     "AdverseEvent.participant[0].function"),
    (posted(participant=[{"function": {"coding": [{"system": "urn:uth:participant-function", "code": "event"}]},
                          "actor": {"identifier": {"system": "urn:uth:org", "value": v}}} for v in ("H", "K")]),
     "AdverseEvent.participant[1].actor.identifier.value"),
    (posted(note=[{"text": 42}]), "AdverseEvent.note[0].text"),
])
def test_in_refuses_by_element(resource, expression):
    inbound = read_adverse_event(resource)
    assert expression in expressions(inbound)
    valid_outcome(operation_outcome(inbound.issues))


def test_report_errors_are_named_as_the_elements_they_came_from():
    inbound = read_adverse_event(posted(code=None, note=[{"text": "For kort"}]))
    errors = {"description": ["Skal være mindst 20 tegn (nu 8)"], "title": ["Overskrift skal udfyldes"],
              "event_org": ["Ukendt organisation: H-MED"], "sac": ["Skal være 1, 2 eller 3"]}
    issues = outcome_issues(errors, inbound)
    assert [(i.expression, i.code) for i in issues] == [
        ("AdverseEvent.note[0].text", "value"), ("AdverseEvent.code.text", "required"),
        ("AdverseEvent.participant[0].actor.identifier.value", "value"), ("AdverseEvent", "required")]
    outcome = operation_outcome(issues)
    valid_outcome(outcome)
    assert outcome["issue"][0]["diagnostics"] == "Skal være mindst 20 tegn (nu 8)"
    assert outcome["issue"][3]["diagnostics"] == "sac: Skal være 1, 2 eller 3"


def test_a_field_whose_element_was_refused_is_not_named_twice():
    inbound = read_adverse_event(posted(note=[{"text": 42}]))
    issues = outcome_issues({"description": ["Beskrivelse skal udfyldes"]}, inbound)
    assert issues == [] and expressions(inbound) == ["AdverseEvent.note[0].text"]
