"""POST /api/v1/reports and the public form (SPEC §3, §14): validation, severity, receipts."""
import pytest

from tests.factories import report_data


def post(client, headers, body):
    return client.post("/api/v1/reports", json=body, headers=headers)


def test_staff_report_is_created_routed_and_answered_with_the_case(client, region):
    response = post(client, region.headers["nurse"], report_data(event_type="medicinering", patient={"cpr": "0101901234", "name": "Jens Hansen"}))
    assert response.status_code == 201
    case = response.get_json()
    assert case["reference"] == "UTH-2026-000001"
    assert case["status"] == "new"
    assert case["handling_org"] == "H" and case["reporting_org"] == "H-MED" and case["event_org"] is None
    assert case["severity"] == "serious_risk"
    assert len(case["receipt_code"].replace("-", "")) >= 10
    assert case["deadlines"] == {"acknowledge_by": "2026-11-26", "close_by": "2027-02-21"}
    assert "patient" not in case  # the reporter is not a handler of the case


def test_handler_sees_patient_and_reporter(client, region):
    ref = post(client, region.headers["nurse"], report_data(patient={"cpr": "010190-1234"}, reporter={"phone": "22 33 44 55"})).get_json()["reference"]
    case = client.get(f"/api/v1/cases/{ref}", headers=region.headers["rm_h"]).get_json()
    assert case["reporter"]["email"] == "nurse@h.dk" and case["reporter"]["phone"] == "22 33 44 55"


VALID = report_data()

BAD_FIELDS = [
    ({"occurred_at": None}, "occurred_at"),
    ({"occurred_at": "i går"}, "occurred_at"),
    ({"occurred_at": "2026-11-24T12:00:00+00:00"}, "occurred_at"),
    ({"occurred_at_precision": "sometime"}, "occurred_at_precision"),
    ({"event_org": "NOPE"}, "event_org"),
    ({"reporting_org": "NOPE"}, "reporting_org"),
    ({"transition": {"type": "teleport"}}, "transition_type"),
    ({"transition": {"from_org": "H"}}, "transition_type"),
    ({"transition": {"type": "udskrivelse", "to_org": "NOPE"}}, "transition_to_org"),
    ({"involved_orgs": [{"org": "NOPE", "role": "involved"}]}, "involved_orgs"),
    ({"involved_orgs": [{"org": "K", "role": "bystander"}]}, "involved_orgs"),
    ({"involved_orgs": "K"}, "involved_orgs"),
    ({"event_type": "magic"}, "event_type"),
    ({"title": None}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": None}, "description"),
    ({"description": "for kort"}, "description"),
    ({"description": "x" * 20001}, "description"),
    ({"actual_consequence": None}, "actual_consequence"),
    ({"actual_consequence": "catastrophic"}, "actual_consequence"),
    ({"possible_consequence": None}, "possible_consequence"),
    ({"actual_consequence": "minor", "possible_consequence": "none"}, "possible_consequence"),
    ({"possible_consequence": "huge"}, "possible_consequence"),
    ({"patient": {"cpr": "320190-1234"}}, "patient_cpr"),
    ({"patient": {"cpr": "12345"}}, "patient_cpr"),
    ({"patient": "0101901234"}, "patient"),
    ({"reporter": {"email": "not-an-email"}}, "reporter_email"),
    ({"reporter": {"phone": "call me"}}, "reporter_phone"),
    ({"medication": {"atc": "12345"}}, "medication_atc"),
    ({"ncc_merp": "Z"}, "ncc_merp"),
    ({"sac": 7}, "sac"),
]


@pytest.mark.parametrize("override,field", BAD_FIELDS)
def test_every_validation_error_answers_422_naming_the_field(client, region, app, override, field):
    body = {**VALID, **override}
    body = {k: v for k, v in body.items() if v is not None}
    response = post(client, region.headers["nurse"], body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    with app.app_context():
        from sqlalchemy import func, select

        from uth.extensions import db
        from uth.reports.models import Case
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_body_must_be_a_json_object(client, region):
    response = client.post("/api/v1/reports", data="nonsense", headers=region.headers["nurse"])
    assert response.status_code == 422 and "body" in response.get_json()["errors"]


def test_serious_actual_consequence_ignores_possible(client, region):
    case = post(client, region.headers["nurse"], report_data(actual_consequence="fatal", possible_consequence=None)).get_json()
    assert case["severity"] == "fatal_consequence" and case["possible_consequence"] is None


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}])
def test_token_auth_required(client, region, headers):
    for method, path in [("post", "/api/v1/reports"), ("get", "/api/v1/cases"), ("get", "/api/v1/taxonomy"),
                         ("get", "/api/v1/orgs"), ("get", "/api/v1/reports/mine"), ("get", "/api/v1/cases/UTH-2026-000001")]:
        response = getattr(client, method)(path, headers=headers, json={} if method == "post" else None)
        assert response.status_code == 401, path
        assert "error" in response.get_json()


def test_public_report_and_receipt(client, region):
    response = client.post("/api/v1/public/reports", json=report_data(event_org="H-MED", reporter={"email": "mor@example.dk"}))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"reference", "receipt_code"}
    status = client.get(f"/api/v1/receipts/{body['receipt_code']}").get_json()
    assert {k: status[k] for k in ("reference", "status", "feedback", "handling_org", "messages")} == {
        "reference": body["reference"], "status": "new", "feedback": None, "handling_org": "H", "messages": []}
    assert set(status) == {"reference", "status", "status_text", "handling_org", "close_by", "feedback", "messages"}
    lower = body["receipt_code"].lower().replace("-", "")
    assert client.get(f"/api/v1/receipts/{lower}").status_code == 200
    assert client.get("/api/v1/receipts/AAAA-BBBB-CCCC-DDDD").status_code == 404
    case = client.get(f"/api/v1/cases/{body['reference']}", headers=region.headers["rm_h"]).get_json()
    assert case["reporting_org"] is None and case["statutory"] is False and case["reporter_kind"] == "public"


def test_public_report_needs_where_it_happened(client, region):
    response = client.post("/api/v1/public/reports", json=report_data())
    assert response.status_code == 422 and "event_org" in response.get_json()["errors"]


def test_public_reports_are_rate_limited(client, region, app):
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "3 per hour"
    codes = [client.post("/api/v1/public/reports", json=report_data(event_org="H")).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_own_reports(client, region):
    post(client, region.headers["nurse"], report_data(title="Min første"))
    post(client, region.headers["rm_h"], report_data(title="Ikke min", event_org="H"))
    items = client.get("/api/v1/reports/mine", headers=region.headers["nurse"]).get_json()["items"]
    assert [i["title"] for i in items] == ["Min første"]
    assert set(items[0]) == {"reference", "title", "status", "received_at", "feedback", "status_text",
                             "handling_org", "close_by", "messages"}


def test_a_report_by_the_handling_risk_manager_is_answered_with_the_whole_case(client, region):
    """The answer is made from memory (the new case is left out of the session): with the handler's
    view, the dialogue (none yet) and the reporter are in it, as when the case is read back."""
    response = post(client, region.headers["rm_h"], report_data(reporting_org="H", reporter={"phone": "22 33 44 55"}))
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["view"] == "full" and answer["handling_org"] == "H"
    assert answer["messages"] == [] and answer["reporter"]["phone"] == "22 33 44 55"
    read_back = client.get(f"/api/v1/cases/{answer['reference']}", headers=region.headers["rm_h"]).get_json()
    assert {key: read_back[key] for key in ("messages", "reporter", "involved_orgs", "deadlines", "statements")} == \
        {key: answer[key] for key in ("messages", "reporter", "involved_orgs", "deadlines", "statements")}
