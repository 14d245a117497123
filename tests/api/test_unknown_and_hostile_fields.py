"""No API body field is silently dropped (SPEC §23), and a value of the wrong JSON type answers 422
naming the field, never 500 — on every JSON-body route."""
import pytest
from sqlalchemy import func, select

from tests.factories import auth_header, make_token, report_data
from tests.learning_region import closed_case, make_learning_region
from tests.rca_fixtures import make_rca_region
from tests.workflow_region import (
    api_world,
    post_action,
)
from uth.auth.services import find_user
from uth.extensions import db
from uth.reports.models import Case

HUGE = 10**30


def _errors(response) -> dict:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    return response.get_json()["errors"]


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


# --- reports -------------------------------------------------------------------------------------

@pytest.fixture
def reporter(region):
    return region.headers["nurse"]


@pytest.mark.parametrize("extra,field", [
    ({"severity": "fatal_consequence"}, "severity"),
    ({"received_at": "2026-11-01T10:00"}, "received_at"),
    ({"patient": {"cpr": "0101901234", "age": 80}}, "patient_age"),
    ({"reporter": {"name": "Ib", "mobile": "12345678"}}, "reporter_mobile"),
    ({"transition": {"type": "udskrivelse", "via": "H"}}, "transition_via"),
    ({"involved_orgs": [{"org": "H", "role": "involved", "note": "x"}]}, "involved_orgs_note"),
    ({"medication": {"name": "Panodil", "dose": "1 g"}}, "medication_dose"),
])
@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/public/reports"])
def test_a_report_with_an_unknown_field_is_refused_naming_it(app, client, reporter, path, extra, field):
    body = {**report_data(event_org="H-MED"), **extra}
    errors = _errors(client.post(path, json=body, headers=reporter))
    assert errors == {field: ["Ukendt felt"]}
    assert _cases(app) == 0


@pytest.mark.parametrize("override,field", [
    ({"title": ["a", "list"]}, "title"),
    ({"title": 42}, "title"),
    ({"description": {"text": "an object instead of text"}}, "description"),
    ({"event_type": ["medicinering"]}, "event_type"),
    ({"event_type": {"code": "medicinering"}}, "event_type"),
    ({"actual_consequence": ["none"]}, "actual_consequence"),
    ({"possible_consequence": {"x": 1}}, "possible_consequence"),
    ({"occurred_at": 20261120}, "occurred_at"),
    ({"occurred_at_precision": ["known"]}, "occurred_at_precision"),
    ({"transition": {"type": ["udskrivelse"]}}, "transition_type"),
    ({"transition": ["udskrivelse"]}, "transition"),
    ({"involved_orgs": [{"org": "H", "role": ["involved"]}]}, "involved_orgs"),
    ({"involved_orgs": [["H"]]}, "involved_orgs"),
    ({"event_org": ["H-MED"]}, "event_org"),
    ({"reporting_org": 7}, "reporting_org"),
    ({"patient": {"name": ["Jens"]}}, "patient_name"),
    ({"patient": {"cpr": ["0101901234"]}}, "patient_cpr"),
    ({"reporter": {"email": 5}}, "reporter_email"),
    ({"reporter": {"anonymous": ["yes"]}}, "reporter_anonymous"),
    ({"medication": {"atc": ["N02BE01"]}}, "medication_atc"),
    ({"ncc_merp": ["A"]}, "ncc_merp"),
    ({"sac": HUGE}, "sac"),
    ({"sac": 2.7}, "sac"),
    ({"sac": True}, "sac"),
    ({"sac": 1e400}, "sac"),
    ({"sac": [1]}, "sac"),
])
def test_a_report_value_of_the_wrong_type_answers_422_naming_the_field(app, client, reporter, override, field):
    response = client.post("/api/v1/reports", data=_dumps({**report_data(event_org="H-MED"), **override}),
                           headers={**reporter, "Content-Type": "application/json"})
    assert field in _errors(response)
    assert _cases(app) == 0


def _dumps(body) -> str:
    import json
    return json.dumps(body).replace("Infinity", "1e400")  # 1e400 is valid JSON that Python reads as inf


@pytest.mark.parametrize("body", ["[1, 2]", "42", "null", '"text"'])
def test_a_body_that_is_not_an_object_answers_422_naming_the_body(client, reporter, body):
    response = client.post("/api/v1/reports", data=body, headers={**reporter, "Content-Type": "application/json"})
    assert "body" in _errors(response)


def test_the_known_fields_still_make_a_case(app, client, reporter):
    body = report_data(event_org="H-MED", patient={"cpr": "0101901234", "name": "Jens"},
                       reporter={"name": "Ib", "phone": "22334455", "anonymous": False}, sac="2", ncc_merp="C",
                       medication={"name": "Panodil", "atc": "N02BE01"})
    response = client.post("/api/v1/reports", json=body, headers=reporter)
    assert response.status_code == 201, response.get_json()
    assert _cases(app) == 1


# --- actions -------------------------------------------------------------------------------------

@pytest.fixture
def world(app):
    return api_world(app)


act = post_action


@pytest.mark.parametrize("action,payload,field", [
    ("acknowledge", {"comment": "hej"}, "comment"),
    ("assign", {"assignee": "rm2@h.dk", "due": "tomorrow"}, "due"),
    ("classify", {"event_type": "medicinering.ordination", "actual_consequence": "minor",
                  "possible_consequence": "serious_or_fatal", "severity": "no_consequence"}, "severity"),
    ("edit", {"title": "Ny overskrift", "summary": "x"}, "summary"),
    ("reject", {"reason": "test_case", "comment": "Øvelse", "note": "x"}, "note"),
])
def test_an_action_with_an_unknown_field_is_refused_naming_it_and_changes_nothing(app, client, world, action, payload, field):
    headers, ref = world
    errors = _errors(act(client, headers["rm_h"], ref, action, **payload))
    assert errors == {field: ["Ukendt felt"]}
    case = client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h"]).get_json()
    assert case["status"] == "new" and case["title"] != "Ny overskrift" and case["severity"] != "no_consequence"


def test_close_with_an_unknown_field_is_refused_and_the_case_stays_open(client, world):
    headers, ref = world
    assert act(client, headers["rm_h"], ref, "assign", assignee="rm2@h.dk").status_code == 200
    assert act(client, headers["rm_h"], ref, "classify", event_type="medicinering.ordination",
               actual_consequence="minor", possible_consequence="serious_or_fatal").status_code == 200
    errors = _errors(act(client, headers["rm_h"], ref, "close", conclusion="Rutinen er ændret.",
                         learning="Send epikrisen samme dag.", feedbak="Tak"))
    assert errors == {"feedbak": ["Ukendt felt"]}
    assert client.get(f"/api/v1/cases/{ref}", headers=headers["rm_h"]).get_json()["status"] == "in_progress"


def test_edit_still_takes_a_statement_field(client, world):
    headers, ref = world
    assert act(client, headers["rm_h"], ref, "assign", assignee="rm2@h.dk").status_code == 200
    case = act(client, headers["rm_h"], ref, "request_statement", org="K-HJ", question="Hvornår kom epikrisen?").get_json()
    statement_id = case["statements"][0]["id"]
    edited = act(client, headers["rm_h"], ref, "edit", **{f"statement:{statement_id}:question": "Hvornår modtog I den?"})
    assert edited.status_code == 200
    assert edited.get_json()["statements"][0]["question"] == "Hvornår modtog I den?"


@pytest.mark.parametrize("payload,field", [
    ({"event_type": ["medicinering"]}, "event_type"),
    ({"event_type": "medicinering", "actual_consequence": {"a": 1}}, "actual_consequence"),
    ({"event_type": "medicinering", "actual_consequence": "none", "possible_consequence": ["x"]}, "possible_consequence"),
    ({"event_type": "medicinering", "actual_consequence": "serious", "sac": HUGE}, "sac"),
    ({"event_type": "medicinering", "actual_consequence": "serious", "sac": 1.5}, "sac"),
    ({"event_type": "medicinering", "actual_consequence": "serious", "ncc_merp": ["A"]}, "ncc_merp"),
])
def test_classify_with_a_value_of_the_wrong_type_answers_422(client, world, payload, field):
    headers, ref = world
    assert field in _errors(act(client, headers["rm_h"], ref, "classify", **payload))


@pytest.mark.parametrize("action,payload,field", [
    ("assign", {"assignee": ["rm2@h.dk"]}, "assignee"),
    ("transfer", {"org": {"code": "H2"}, "comment": "x"}, "org"),
    ("transfer", {"org": "H2", "comment": 5}, "comment"),
    ("reject", {"reason": ["test_case"], "comment": "x"}, "reason"),
    ("reject", {"reason": "duplicate", "comment": "x", "duplicate_of": ["UTH-2026-000001"]}, "duplicate_of"),
    ("comment", {"text": None}, "text"),
    ("comment", {"text": "note", "not_personal": "abc"}, "not_personal"),
    ("edit", {"title": ["x"]}, "title"),
])
def test_other_actions_with_a_value_of_the_wrong_type_answer_422(client, world, action, payload, field):
    headers, ref = world
    assert field in _errors(act(client, headers["rm_h"], ref, action, **payload))


def test_respond_with_a_huge_or_listed_statement_id_answers_422(client, world):
    headers, ref = world
    assert act(client, headers["rm_h"], ref, "assign", assignee="rm2@h.dk").status_code == 200
    assert act(client, headers["rm_h"], ref, "request_statement", org="K-HJ", question="Hvornår?").status_code == 200
    for raw in (HUGE, [1], {"id": 1}, -1, True):
        assert "statement_id" in _errors(act(client, headers["rm_k"], ref, "respond", statement_id=raw, text="Svar"))


# --- analyses ------------------------------------------------------------------------------------

@pytest.fixture
def rca(app):
    with app.app_context():
        return make_rca_region()


def _analysis(client, rca) -> int:
    response = client.post(f"/api/v1/cases/{rca.serious}/analyses", json={"method": "rca2"}, headers=rca.headers["rm_h"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_starting_an_analysis_refuses_unknown_fields_and_wrong_types(client, rca):
    path = f"/api/v1/cases/{rca.serious}/analyses"
    assert _errors(client.post(path, json={"method": "kaa", "team": []}, headers=rca.headers["rm_h"])) == {"team": ["Ukendt felt"]}
    assert "method" in _errors(client.post(path, json={"method": ["kaa"]}, headers=rca.headers["rm_h"]))
    assert "title" in _errors(client.post(path, json={"method": "kaa", "title": 7}, headers=rca.headers["rm_h"]))


@pytest.mark.parametrize("part,body,field", [
    ("team", {"name": "Hanne", "role": "Sygeplejerske", "age": 40}, "age"),
    ("timeline", {"time_text": "om aftenen", "text": "Insulin blev ikke givet", "when": "x"}, "when"),
    ("causal_statements", {"cause": "a", "effect": "b", "event": "c", "why": "d"}, "why"),
    ("contributing_factors", {"code": "kommunikation", "weight": 3}, "weight"),
    ("action_items", {"text": "Tjekliste", "strength": "weaker", "owner": "x"}, "owner"),
    ("cases", {"reference": "UTH-2026-000001", "note": "x"}, "note"),
    ("status", {"status": "in_review", "comment": "klar"}, "comment"),
])
def test_an_analysis_part_with_an_unknown_field_is_refused_naming_it(client, rca, part, body, field):
    analysis_id = _analysis(client, rca)
    errors = _errors(client.post(f"/api/v1/analyses/{analysis_id}/{part}", json=body, headers=rca.headers["rm_h"]))
    assert field in errors and errors[field] == ["Ukendt felt"]


@pytest.mark.parametrize("part,body,field", [
    ("team", {"name": ["Hanne"]}, "name"),
    ("team", {"name": "Hanne", "involved": [True]}, "involved"),
    ("timeline", {"time_text": "om aftenen", "text": "x", "position": HUGE}, "position"),
    ("timeline", {"time_text": "om aftenen", "text": "x", "position": 2.5}, "position"),
    ("timeline", {"at": ["2026-11-20T10:00"], "text": "x"}, "at"),
    ("contributing_factors", {"code": ["kommunikation"]}, "code"),
    ("action_items", {"text": "Tjekliste", "strength": ["weaker"]}, "strength"),
    ("action_items", {"text": "Tjekliste", "strength": "weaker", "status": ["done"]}, "status"),
    ("action_items", {"text": "Tjekliste", "strength": "weaker", "due_on": 20270101}, "due_on"),
    ("cases", {"reference": ["UTH-2026-000001"]}, "reference"),
    ("status", {"status": ["approved"]}, "status"),
])
def test_an_analysis_part_of_the_wrong_type_answers_422_naming_the_field(client, rca, part, body, field):
    analysis_id = _analysis(client, rca)
    assert field in _errors(client.post(f"/api/v1/analyses/{analysis_id}/{part}", json=body, headers=rca.headers["rm_h"]))


@pytest.mark.parametrize("path", ["/api/v1/analyses/{big}", "/api/v1/analyses/{big}/team", "/api/v1/learning/{big}",
                                  "/api/v1/analyses/{n}/team/{big}", "/api/v1/analyses/-1", "/api/v1/analyses/1e3"])
def test_an_id_out_of_range_is_not_found_the_same_everywhere(client, rca, path):
    analysis_id = _analysis(client, rca)
    url = path.format(big=2**31, n=analysis_id)
    method = client.delete if url.count("/") == 6 else (client.post if url.endswith("team") else client.get)
    response = method(url, json={"name": "Hanne"}, headers=rca.headers["rm_h"])
    assert response.status_code == 404 and response.get_json() == {"error": "Not found"}


def test_an_id_at_the_limit_is_looked_up(client, rca):
    assert client.get(f"/api/v1/analyses/{2**31 - 1}", headers=rca.headers["rm_h"]).status_code == 404
    assert client.get(f"/api/v1/learning/{2**31 - 1}", headers=rca.headers["rm_h"]).status_code == 404
    analysis_id = _analysis(client, rca)
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=rca.headers["rm_h"]).status_code == 200


# --- learning ------------------------------------------------------------------------------------

@pytest.fixture
def learning(app):
    with app.app_context():
        make_learning_region()
        headers = auth_header(make_token(find_user("rm@h.dk")))
        reference = closed_case().reference
    return headers, reference


def test_learning_routes_refuse_unknown_fields_and_wrong_types(client, learning):
    headers, reference = learning
    created = client.post(f"/api/v1/cases/{reference}/learning", json={"title": "Epikrise sendt for sent"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["title"] == "Epikrise sendt for sent"
    summary_id = created.get_json()["id"]
    assert _errors(client.post(f"/api/v1/cases/{reference}/learning", json={"titel": "x"}, headers=headers)) == {"titel": ["Ukendt felt"]}
    assert "title" in _errors(client.post(f"/api/v1/cases/{reference}/learning", json={"title": ["x"]}, headers=headers))
    assert "visibility" in _errors(client.post(f"/api/v1/cases/{reference}/learning", json={"visibility": ["national"]},
                                               headers=headers))
    path = f"/api/v1/learning/{summary_id}"
    assert _errors(client.patch(path, json={"summary": "Ny tekst om epikrisen", "status": "published"}, headers=headers)) == \
        {"status": ["Ukendt felt"]}
    assert "event_type" in _errors(client.patch(path, json={"event_type": ["medicinering"]}, headers=headers))
    assert "summary" in _errors(client.patch(path, json={"summary": 12}, headers=headers))
    assert _errors(client.post(f"{path}/publish", json={"not_personal": [], "force": True}, headers=headers)) == \
        {"force": ["Ukendt felt"]}
    assert "not_personal" in _errors(client.post(f"{path}/publish", json={"not_personal": "abc"}, headers=headers))
    assert client.get(path, headers=headers).get_json()["status"] == "draft"
    assert client.post(f"{path}/publish", headers=headers).status_code == 200
    assert _errors(client.post(f"{path}/retract", json={"reason": "forkert"}, headers=headers)) == {"reason": ["Ukendt felt"]}
    assert client.post(f"{path}/retract", headers=headers).status_code == 200


# --- the dialogue with the reporter --------------------------------------------------------------

def test_message_routes_refuse_unknown_fields_and_wrong_types(app, client, reporter):
    created = client.post("/api/v1/reports", json=report_data(event_org="H-MED"), headers=reporter).get_json()
    reference, receipt = created["reference"], created["receipt_code"]
    for path, headers in ((f"/api/v1/reports/{reference}/messages", reporter), (f"/api/v1/receipts/{receipt}/messages", {})):
        assert _errors(client.post(path, json={"text": "Det skete om aftenen", "attachment": "x"}, headers=headers)) == \
            {"attachment": ["Ukendt felt"]}
        assert "text" in _errors(client.post(path, json={"text": ["Det skete om aftenen"]}, headers=headers))


def test_message_reporter_refuses_an_unknown_field(client, world):
    headers, ref = world
    errors = _errors(act(client, headers["rm_h"], ref, "message_reporter", text="Hvornår skete det?", urgent=True))
    assert errors == {"urgent": ["Ukendt felt"]}


def test_every_action_lists_the_fields_it_takes():
    from uth.handling.actions import ACTION_FIELDS
    from uth.handling.workflow import ACTIONS
    assert set(ACTION_FIELDS) == set(ACTIONS)
