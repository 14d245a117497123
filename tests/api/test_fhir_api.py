"""FHIR R5 AdverseEvent over HTTP (SPEC §22): report, read, refusals as OperationOutcome, CapabilityStatement."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW
from tests.factories import report_data
from tests.fhir_r5 import valid_adverse_event, valid_capability_statement, valid_outcome
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.models import Case

FHIR = "application/fhir+json"
OCCURRED = "2026-11-22T14:30:00+01:00"


def adverse_event(**overrides) -> dict:
    """What a hospital's EHR posts: a medication event at H-MED that could have been serious."""
    resource = {
        "resourceType": "AdverseEvent", "status": "completed", "actuality": "potential",
        "subject": {"display": "Patient (kendt i EPJ)"},
        "code": {"text": "Forkert dosis insulin",
                 "coding": [{"system": "urn:uth:event-type", "code": "medicinering.administration.forkert_tidspunkt"}]},
        "occurrenceDateTime": OCCURRED,
        "participant": [{"function": {"coding": [{"system": "urn:uth:participant-function", "code": "event"}]},
                         "actor": {"identifier": {"system": "urn:uth:org", "value": "H-MED"}}}],
        "extension": [{"url": "urn:uth:actual-consequence", "valueCode": "none"},
                      {"url": "urn:uth:possible-consequence", "valueCode": "serious_or_fatal"}],
        "note": [{"text": "Insulin blev givet to timer for sent efter overflytningen fra akutmodtagelsen."}],
    }
    resource.update(overrides)
    return {k: v for k, v in resource.items() if v is not None}


def post(client, headers, resource, content_type=FHIR):
    body = resource if isinstance(resource, (str, bytes)) else json.dumps(resource)
    return client.post("/api/v1/fhir/AdverseEvent", data=body, headers={**headers, "Content-Type": content_type})


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def test_a_posted_adverse_event_becomes_a_routed_case(client, region, app):
    response = post(client, region.headers["nurse"], adverse_event())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == FHIR
    stored = response.get_json()
    valid_adverse_event(stored)
    reference = stored["identifier"][0]["value"]
    assert reference == "UTH-2026-000001" and response.headers["Location"].endswith("/api/v1/fhir/AdverseEvent/UTH-2026-000001")
    assert stored["occurrenceDateTime"] == OCCURRED and stored["subject"] == {"display": "Anonymiseret"}
    assert stored["status"] == "in-progress"  # a new case, whatever the sender said
    assert stored["seriousness"]["coding"][0] == {"system": "urn:uth:severity", "code": "serious_risk",
                                                  "display": "Alvorlig patientsikkerhedsrisiko"}
    assert [(p["function"]["coding"][0]["code"], p["actor"]["identifier"]["value"]) for p in stored["participant"]] == [
        ("event", "H-MED"), ("reporting", "H-MED")]  # the reporter's own organisation, as POST /api/v1/reports does
    case = client.get(f"/api/v1/cases/{reference}", headers=region.headers["rm_h"]).get_json()
    assert case["handling_org"] == "H" and case["event_type"] == "medicinering.administration.forkert_tidspunkt"
    assert case["deadlines"] == {"acknowledge_by": "2026-11-26", "close_by": "2027-02-21"}
    assert case["title"] == "Forkert dosis insulin" and case["reporter"]["email"] == "nurse@h.dk"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.created")).detail["handling_org"] == "H"
        assert [m.to_address for m in db.session.scalars(select(OutboxMessage))] == ["rm@h.dk"]


def test_the_same_report_gives_the_same_case_as_post_reports(client, region):
    fhir = post(client, region.headers["nurse"], adverse_event()).get_json()
    own = client.post("/api/v1/reports", headers=region.headers["nurse"], json=report_data(
        occurred_at=OCCURRED, event_org="H-MED", title="Forkert dosis insulin",
        event_type="medicinering.administration.forkert_tidspunkt", description=fhir["note"][0]["text"]))
    assert own.status_code == 201
    ignore = {"reference", "receipt_code"}
    first = client.get(f"/api/v1/cases/{fhir['id']}", headers=region.headers["rm_h"]).get_json()
    second = client.get(f"/api/v1/cases/{own.get_json()['reference']}", headers=region.headers["rm_h"]).get_json()
    assert {k: v for k, v in first.items() if k not in ignore} == {k: v for k, v in second.items() if k not in ignore}


def test_plain_json_is_taken_too(client, region):
    assert post(client, region.headers["nurse"], adverse_event(), content_type="application/json").status_code == 201


def refusal(client, region, app, resource, status=422, content_type=FHIR) -> list[dict]:
    response = post(client, region.headers["nurse"], resource, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == FHIR
    outcome = response.get_json()
    valid_outcome(outcome)
    assert case_count(app) == 0  # nothing half-written
    return outcome["issue"]


def test_a_short_narrative(client, region, app):
    issues = refusal(client, region, app, adverse_event(note=[{"text": "For kort"}]))
    assert [(i["expression"], i["code"]) for i in issues] == [(["AdverseEvent.note[0].text"], "value")]
    assert "20" in issues[0]["diagnostics"]


def test_a_time_in_the_future(client, region, app):
    later = (FIXED_NOW + timedelta(days=1)).isoformat()
    issues = refusal(client, region, app, adverse_event(occurrenceDateTime=later))
    assert [i["expression"] for i in issues] == [["AdverseEvent.occurrenceDateTime"]]
    assert "fremtiden" in issues[0]["diagnostics"]


def test_an_unknown_organisation(client, region, app):
    participant = {"function": {"coding": [{"system": "urn:uth:participant-function", "code": "event"}]},
                   "actor": {"identifier": {"system": "urn:uth:org", "value": "NOPE"}}}
    issues = refusal(client, region, app, adverse_event(participant=[participant]))
    assert [i["expression"] for i in issues] == [["AdverseEvent.participant[0].actor.identifier.value"]]
    assert "NOPE" in issues[0]["diagnostics"]


def test_a_wrong_resource_type(client, region, app):
    issues = refusal(client, region, app, {"resourceType": "Patient", "name": [{"family": "Hansen"}]})
    assert [(i["expression"], i["code"]) for i in issues] == [(["AdverseEvent.resourceType"], "structure")]
    assert "Patient" in issues[0]["diagnostics"]


def test_malformed_json(client, region, app):
    issues = refusal(client, region, app, '{"resourceType": "AdverseEvent",\n "status": }')
    assert [(i["expression"], i["code"]) for i in issues] == [(["AdverseEvent"], "structure")]
    assert "linje 2" in issues[0]["diagnostics"]


def test_a_body_of_six_megabytes(client, region, app):
    huge = adverse_event(note=[{"text": "x" * (6 * 1024 * 1024)}])
    issues = refusal(client, region, app, huge, status=413)
    assert issues[0]["code"] == "too-long"


def test_not_json_at_all(client, region, app):
    issues = refusal(client, region, app, "<AdverseEvent/>", status=415, content_type="application/fhir+xml")
    assert issues[0]["code"] == "not-supported"


def test_every_problem_is_one_issue(client, region, app):
    resource = adverse_event(code={"coding": [{"system": "urn:uth:event-type", "code": "magic"}]}, status=None,
                             note=[{"text": "For kort"}], location={"display": "Stue 4"}, actuality="actual")
    issues = refusal(client, region, app, resource)
    assert sorted(e for i in issues for e in i["expression"]) == sorted([
        "AdverseEvent.status", "AdverseEvent.location", "AdverseEvent.actuality", "AdverseEvent.code.text",
        "AdverseEvent.code.coding[0].code", "AdverseEvent.note[0].text"])


def test_without_a_token(client, region, app):
    response = client.post("/api/v1/fhir/AdverseEvent", data=json.dumps(adverse_event()), content_type=FHIR)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert valid_outcome(response.get_json()).issue[0].code == "login"
    assert case_count(app) == 0


def test_read_has_the_scope_of_the_case_json(client, region):
    reference = post(client, region.headers["nurse"], adverse_event()).get_json()["id"]
    for name, headers in region.headers.items():
        case_status = client.get(f"/api/v1/cases/{reference}", headers=headers).status_code
        response = client.get(f"/api/v1/fhir/AdverseEvent/{reference}", headers=headers)
        assert response.status_code == case_status, name
        if response.status_code == 200:
            assert response.mimetype == FHIR
            assert valid_adverse_event(response.get_json()).id == reference
        else:
            assert valid_outcome(response.get_json()).issue[0].code == "not-found"
    assert client.get(f"/api/v1/fhir/AdverseEvent/{reference}", headers=region.headers["rm_h"]).status_code == 200
    assert client.get(f"/api/v1/fhir/AdverseEvent/{reference}", headers=region.headers["rm_k2"]).status_code == 404
    assert client.get("/api/v1/fhir/AdverseEvent/UTH-2026-999999", headers=region.headers["rm_h"]).status_code == 404


def test_capability_statement(client):
    response = client.get("/api/v1/fhir/metadata")
    assert response.status_code == 200 and response.mimetype == FHIR
    statement = valid_capability_statement(response.get_json())
    assert statement.fhirVersion == "5.0.0"
    resource = statement.rest[0].resource[0]
    assert resource.type == "AdverseEvent" and {i.code for i in resource.interaction} == {"read", "create"}


@pytest.mark.parametrize("path", ["/api/v1/fhir/AdverseEvent", "/api/v1/fhir/AdverseEvent/{reference}", "/api/v1/fhir/metadata"])
def test_openapi_lists_the_fhir_routes(client, path):
    assert path in client.get("/api/v1/openapi.json").get_json()["paths"]
