"""`uth export-national --format fhir`: NDJSON of R5 AdverseEvents, anonymised closed cases only (SPEC §22)."""
import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from tests.anon_cases import assert_no_personal_data, close, personal_case, region
from tests.conftest import FIXED_NOW
from tests.factories import make_token
from tests.fhir_r5 import valid_adverse_event
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.rca.parts import add_part
from uth.rca.services import create_analysis, set_status
from uth.reports.models import Case

EVENT_TYPE = "medicinering.administration.forkert_tidspunkt"


def _resources(output: str) -> list[dict]:
    lines = [line for line in output.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def _analyse(rm, case, *, approve: bool, factor: str):
    analysis = create_analysis(rm, case, "rca2", now=FIXED_NOW)
    add_part(rm, analysis, "contributing_factors", {"code": factor}, now=FIXED_NOW)
    if approve:
        add_part(rm, analysis, "causal_statements", {"cause": "Ingen elektronisk epikrise, fordi integrationen manglede",
                                                     "effect": "hjemmeplejen kendte ikke ordinationen",
                                                     "event": "insulin blev ikke givet"}, now=FIXED_NOW)
        add_part(rm, analysis, "action_items", {"text": "Integration", "strength": "stronger", "responsible": "IT",
                                                "due_on": "2027-03-01"}, now=FIXED_NOW)
        set_status(rm, analysis, "in_review", now=FIXED_NOW)
        current_app.config["UTH_RCA_SEPARATE_APPROVER"] = False  # the author approves (the setting turned off)
        set_status(rm, analysis, "approved", now=FIXED_NOW)
    db.session.commit()


def _setup(app):
    with app.app_context():
        users = region()
        old = personal_case(users["nurse"], now=FIXED_NOW - timedelta(days=40))
        _analyse(users["rm"], old, approve=True, factor="kommunikation.skriftlig")
        _analyse(users["rm"], old, approve=False, factor="procedurer")
        close(users["rm"], old, now=FIXED_NOW - timedelta(days=30))
        new = personal_case(users["nurse"])
        close(users["rm"], new)
        personal_case(users["nurse"])  # open: never exported
        return old.reference, new.reference


def test_exports_valid_r5_for_closed_cases_without_personal_data(app, runner):
    old, new = _setup(app)
    result = runner.invoke(args=["uth", "export-national", "--format", "fhir"])
    assert result.exit_code == 0, result.output
    resources = _resources(result.stdout)
    for resource in resources:
        valid_adverse_event(resource)
    assert [r["identifier"][0]["value"] for r in resources] == [old, new]
    assert {r["status"] for r in resources} == {"completed"}
    assert all(r["subject"] == {"display": "Anonymiseret"} for r in resources)
    first = resources[0]
    assert [f["itemCodeableConcept"]["text"] for f in first["contributingFactor"]] == [
        "Skriftlig overlevering og dokumentation"]  # the approved analysis only, not the draft
    assert "contributingFactor" not in resources[1]
    assert_no_personal_data(result.stdout)
    assert "cpr" not in result.stdout.lower() and "reporter" not in result.stdout


def test_since_and_out(app, runner, tmp_path):
    _, new = _setup(app)
    target = tmp_path / "national.ndjson"
    result = runner.invoke(args=["uth", "export-national", "--format", "fhir", "--since", "2026-11-01", "--out", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert [r["id"] for r in _resources(target.read_text(encoding="utf-8"))] == [new]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.national")).one()
        assert entry.detail == {"count": 1, "since": "2026-11-01", "format": "fhir"}


def test_unknown_format_is_refused(app, runner):
    result = runner.invoke(args=["uth", "export-national", "--format", "xml"])
    assert result.exit_code != 0 and "xml" in result.output


def test_round_trip_posted_as_fhir_closed_exported_as_fhir(app, client, runner):
    with app.app_context():
        users = region()
        headers = {"Authorization": f"Bearer {make_token(users['nurse'])}", "Content-Type": "application/fhir+json"}
    posted = {
        "resourceType": "AdverseEvent", "status": "in-progress", "actuality": "actual", "subject": {"display": "Patient"},
        "code": {"text": "Insulin givet for sent", "coding": [{"system": "urn:uth:event-type", "code": EVENT_TYPE}]},
        "occurrenceDateTime": "2026-11-22T14:30:00+01:00",
        "participant": [{"function": {"coding": [{"system": "urn:uth:participant-function", "code": f}]},
                         "actor": {"identifier": {"system": "urn:uth:org", "value": org}}}
                        for f, org in (("event", "K"), ("reporting", "H"))],
        "extension": [{"url": "urn:uth:actual-consequence", "valueCode": "minor"},
                      {"url": "urn:uth:possible-consequence", "valueCode": "serious_or_fatal"}],
        "note": [{"text": "Insulin blev givet to timer for sent efter udskrivelsen til hjemmeplejen."}],
    }
    response = client.post("/api/v1/fhir/AdverseEvent", data=json.dumps(posted), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    stored = response.get_json()
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == stored["id"]))
        close(db.session.merge(users["rm_k"]), case, event_type=EVENT_TYPE)
    result = runner.invoke(args=["uth", "export-national", "--format", "fhir"])
    [exported] = _resources(result.stdout)
    valid_adverse_event(exported)
    assert exported["id"] == stored["id"] and exported["status"] == "completed"
    for element in ("code", "occurrenceDateTime", "recordedDate", "participant", "extension", "actuality", "seriousness"):
        assert exported[element] == stored[element], element
    assert exported["code"]["coding"][0]["code"] == EVENT_TYPE
    assert exported["occurrenceDateTime"] == posted["occurrenceDateTime"]
    assert exported["participant"] == posted["participant"] and exported["extension"] == posted["extension"]
    assert exported["seriousness"]["coding"][0]["code"] == "serious_risk"
