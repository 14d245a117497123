"""The analyses API (SPEC §14): 201/200/422/404, status rules, read-only after approval."""
import pytest

from tests.rca_fixtures import make_rca_region
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.reports.models import Case

STATEMENT = {"cause": "Sygeplejersken kunne ikke se insulinordinationen, fordi epikrisen ikke var sendt",
             "effect": "hjemmeplejen gav ikke insulin om aftenen",
             "event": "patienten fik for højt blodsukker og blev genindlagt"}
ACTION = {"text": "Automatisk afsendelse af epikrise ved udskrivelse", "strength": "stronger",
          "responsible": "Afdelingsledelsen", "due_on": "2027-02-01",
          "process_measure": "Andel epikriser sendt samme dag", "outcome_measure": "Genindlæggelser pga. manglende insulin"}


@pytest.fixture
def region(app):
    with app.app_context():
        return make_rca_region()


def start(client, region, who="rm_h", method="rca2"):
    response = client.post(f"/api/v1/cases/{region.serious}/analyses", json={"method": method}, headers=region.headers[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_create_answers_201_and_records_history(app, client, region):
    response = client.post(f"/api/v1/cases/{region.serious}/analyses", json={"method": "kaa"}, headers=region.headers["rm_h"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["method"] == "kaa" and body["status"] == "draft" and isinstance(body["id"], int)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == region.serious))
        assert any(e.action == "analysis_started" for e in case.events)
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "analysis.created")) is not None


def test_create_rejects_unknown_method_and_outsiders(client, region):
    bad = client.post(f"/api/v1/cases/{region.serious}/analyses", json={"method": "fishbone"}, headers=region.headers["rm_h"])
    assert bad.status_code == 422 and "method" in bad.get_json()["errors"]
    outsider = client.post(f"/api/v1/cases/{region.serious}/analyses", json={"method": "kaa"}, headers=region.headers["rm_k2"])
    assert outsider.status_code == 404


def test_involved_kommune_shares_a_cross_sector_analysis(client, region):
    analysis_id = start(client, region, who="rm_k")
    member = client.post(f"/api/v1/analyses/{analysis_id}/team", json={"name": "Hanne", "role": "Sygeplejerske"},
                         headers=region.headers["rm_h"])
    assert member.status_code == 201
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=region.headers["rm_k"]).status_code == 200


def test_other_organisations_risk_manager_gets_404_everywhere(client, region):
    analysis_id = start(client, region)
    k2 = region.headers["rm_k2"]
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=k2).status_code == 404
    assert client.post(f"/api/v1/analyses/{analysis_id}/team", json={"name": "X"}, headers=k2).status_code == 404
    assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "in_review"}, headers=k2).status_code == 404
    assert client.get("/api/v1/analyses/9999", headers=region.headers["rm_h"]).status_code == 404


def test_get_returns_every_part_with_warnings(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    assert client.post(f"/api/v1/analyses/{analysis_id}/team", json={"name": "Hanne", "role": "Sygeplejerske", "involved": True}, headers=h).status_code == 201
    assert client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"at": "2026-11-20T18:00", "text": "Udskrevet"}, headers=h).status_code == 201
    assert client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"at": "2026-11-20T08:00", "text": "Stuegang"}, headers=h).status_code == 201
    assert client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"time_text": "Samme aften", "text": "Ingen insulin"}, headers=h).status_code == 201
    weak = client.post(f"/api/v1/analyses/{analysis_id}/causal_statements",
                       json={"cause": "Dårlig kommunikation mellem afdelingerne", "effect": "insulin blev glemt", "event": "genindlæggelse"}, headers=h)
    assert weak.status_code == 201
    assert {w["rule"] for w in weak.get_json()["warnings"]} >= {2}
    assert any("dårlig" in w["message_da"].lower() for w in weak.get_json()["warnings"])
    english = client.post(f"/api/v1/analyses/{analysis_id}/causal_statements",
                          json={"cause": "The nurse forgot the evening insulin", "effect": "the patient had no insulin",
                                "event": "the patient was readmitted with high blood sugar"}, headers=h).get_json()
    assert [w["rule"] for w in english["warnings"]] == [3] and "human error" in english["warnings"][0]["message_en"]
    good = client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h)
    assert good.status_code == 201 and good.get_json()["warnings"] == []
    assert client.post(f"/api/v1/analyses/{analysis_id}/contributing_factors", json={"code": "kommunikation.skriftlig"}, headers=h).status_code == 201
    assert client.post(f"/api/v1/analyses/{analysis_id}/action_items", json=ACTION, headers=h).status_code == 201

    body = client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json()
    assert [e["text"] for e in body["timeline"]] == ["Stuegang", "Udskrevet", "Ingen insulin"]
    assert body["team"][0]["involved"] is True
    assert {w["code"] for w in body["team_warnings"]} >= {"team_too_small", "team_mostly_involved"}
    assert body["causal_statements"][0]["warnings"] and body["causal_statements"][2]["warnings"] == []
    assert body["contributing_factors"][0]["code"] == "kommunikation.skriftlig"
    assert body["action_items"][0]["due_on"] == "2027-02-01" and body["action_items"][0]["status"] == "planned"
    assert body["cases"] == [region.serious]


@pytest.mark.parametrize("part, data, field", [
    ("team", {"role": "Læge"}, "name"),
    ("timeline", {"text": "Noget skete"}, "at"),
    ("timeline", {"at": "i går", "text": "Noget skete"}, "at"),
    ("timeline", {"time_text": "Morgen", "text": "Noget skete", "position": "9" * 30}, "position"),
    ("timeline", {"time_text": "Morgen", "text": "Noget skete", "position": 0}, "position"),
    ("timeline", {"time_text": "Morgen", "text": "Noget skete", "position": True}, "position"),
    ("causal_statements", {"cause": "x", "effect": "", "event": "y"}, "effect"),
    ("contributing_factors", {"code": "stjernetegn"}, "code"),
    ("action_items", {"text": "Undervisning", "strength": "mega"}, "strength"),
    ("action_items", {"text": "Undervisning", "strength": "weaker", "due_on": "1. februar"}, "due_on"),
])
def test_bad_entries_answer_422_naming_the_field(client, region, part, data, field):
    analysis_id = start(client, region)
    response = client.post(f"/api/v1/analyses/{analysis_id}/{part}", json=data, headers=region.headers["rm_h"])
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_unknown_part_is_404(client, region):
    analysis_id = start(client, region)
    assert client.post(f"/api/v1/analyses/{analysis_id}/fishbone", json={}, headers=region.headers["rm_h"]).status_code == 404


def test_status_rules_name_what_is_missing(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    url = f"/api/v1/analyses/{analysis_id}/status"
    empty = client.post(url, json={"status": "in_review"}, headers=h)
    assert empty.status_code == 422 and "timeline" in empty.get_json()["errors"]
    assert client.post(url, json={"status": "approved"}, headers=h).status_code == 409  # draft cannot skip review
    client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h)
    assert client.post(url, json={"status": "in_review"}, headers=h).status_code == 200
    client.post(f"/api/v1/analyses/{analysis_id}/action_items", json={"text": "Undervisning", "strength": "weaker"}, headers=h)
    missing = client.post(url, json={"status": "approved"}, headers=h)
    assert missing.status_code == 422
    assert "action_items" in missing.get_json()["errors"] and "causal_statements" not in missing.get_json()["errors"]
    assert set(client.post(url, json={"status": "draft"}, headers=h).get_json()["errors"]) == {"reason"}  # declining needs one
    assert client.post(url, json={"status": "draft", "reason": "Tiltaget mangler ansvarlig"}, headers=h).get_json()["status"] == "draft"
    assert client.post(url, json={"status": "in_review"}, headers=h).status_code == 200
    client.post(f"/api/v1/analyses/{analysis_id}/action_items", json=ACTION, headers=h)
    approved = client.post(url, json={"status": "approved"}, headers=h)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert client.post(url, json={"status": "bogus"}, headers=h).status_code == 422


def test_approval_needs_a_causal_statement(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"time_text": "Morgen", "text": "Stuegang"}, headers=h)
    client.post(f"/api/v1/analyses/{analysis_id}/action_items", json=ACTION, headers=h)
    client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "in_review"}, headers=h)
    response = client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "approved"}, headers=h)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["causal_statements"]


def approved_analysis(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h)
    item = client.post(f"/api/v1/analyses/{analysis_id}/action_items", json=ACTION, headers=h).get_json()
    for status in ("in_review", "approved"):
        assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": status}, headers=h).status_code == 200
    return analysis_id, item["id"]


def test_approved_analysis_is_read_only_except_action_item_status(app, client, region):
    analysis_id, item_id = approved_analysis(client, region)
    h = region.headers["rm_h"]
    assert client.post(f"/api/v1/analyses/{analysis_id}/team", json={"name": "Sen tilføjelse"}, headers=h).status_code == 409
    assert client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h).status_code == 409
    assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "draft"}, headers=h).status_code == 409
    patched = client.patch(f"/api/v1/analyses/{analysis_id}/action_items/{item_id}", json={"status": "done"}, headers=h)
    assert patched.status_code == 200 and patched.get_json()["status"] == "done"
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json()["action_items"][0]["status"] == "done"
    assert client.patch(f"/api/v1/analyses/{analysis_id}/action_items/{item_id}", json={"status": "finished"}, headers=h).status_code == 422
    assert client.patch(f"/api/v1/analyses/{analysis_id}/action_items/999", json={"status": "done"}, headers=h).status_code == 404
    assert client.patch(f"/api/v1/analyses/{analysis_id}/action_items/{item_id}", json={"status": "done"},
                        headers=region.headers["rm_k2"]).status_code == 404
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == region.serious))
        assert any(e.action == "analysis_approved" for e in case.events)


def test_link_another_case_for_an_aggregated_analysis(client, region):
    analysis_id = start(client, region, method="aggregated")
    h = region.headers["rm_h"]
    linked = client.post(f"/api/v1/analyses/{analysis_id}/cases", json={"reference": region.minor}, headers=h)
    assert linked.status_code == 201
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json()["cases"] == [region.serious, region.minor]
    again = client.post(f"/api/v1/analyses/{analysis_id}/cases", json={"reference": region.minor}, headers=h)
    assert again.status_code == 422
    unknown = client.post(f"/api/v1/analyses/{analysis_id}/cases", json={"reference": "UTH-2026-999999"}, headers=h)
    assert unknown.status_code == 422


ENTRIES = {
    "team": {"name": "Hanne Holm", "role": "Sygeplejerske"},
    "timeline": {"time_text": "Om aftenen", "text": "Ingen insulin"},
    "causal_statements": STATEMENT,
    "contributing_factors": {"code": "kommunikation.skriftlig"},
    "action_items": ACTION,
}


@pytest.mark.parametrize("part", list(ENTRIES))
def test_delete_removes_one_entry_and_answers_the_analysis(client, region, part):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    entry_id = client.post(f"/api/v1/analyses/{analysis_id}/{part}", json=ENTRIES[part], headers=h).get_json()["id"]
    response = client.delete(f"/api/v1/analyses/{analysis_id}/{part}/{entry_id}", headers=h)
    assert response.status_code == 200
    body = response.get_json()
    assert body[part] == [] and body["id"] == analysis_id
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json() == body
    assert client.delete(f"/api/v1/analyses/{analysis_id}/{part}/{entry_id}", headers=h).status_code == 404


def test_delete_corrects_a_statement_while_in_review(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    weak = client.post(f"/api/v1/analyses/{analysis_id}/causal_statements",
                       json={"cause": "Dårlig kommunikation", "effect": "insulin blev glemt", "event": "genindlæggelse"},
                       headers=h).get_json()
    client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h)
    assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "in_review"}, headers=h).status_code == 200
    body = client.delete(f"/api/v1/analyses/{analysis_id}/causal_statements/{weak['id']}", headers=h).get_json()
    assert [s["cause"] for s in body["causal_statements"]] == [STATEMENT["cause"]]
    assert body["status"] == "in_review"


def test_delete_closes_the_gap_in_timeline_positions(client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    ids = [client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"time_text": f"Trin {n}", "text": f"Punkt {n}"},
                       headers=h).get_json()["id"] for n in (1, 2, 3, 4)]
    body = client.delete(f"/api/v1/analyses/{analysis_id}/timeline/{ids[1]}", headers=h).get_json()
    assert [(e["text"], e["position"]) for e in body["timeline"]] == [("Punkt 1", 1), ("Punkt 3", 2), ("Punkt 4", 3)]
    body = client.delete(f"/api/v1/analyses/{analysis_id}/timeline/{ids[0]}", headers=h).get_json()
    assert [(e["text"], e["position"]) for e in body["timeline"]] == [("Punkt 3", 1), ("Punkt 4", 2)]
    added = client.post(f"/api/v1/analyses/{analysis_id}/timeline", json={"time_text": "Sidst", "text": "Punkt 5"}, headers=h)
    assert added.get_json()["position"] == 3


def test_delete_in_an_approved_analysis_is_refused_with_409(client, region):
    analysis_id, item_id = approved_analysis(client, region)
    h = region.headers["rm_h"]
    body = client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json()
    statement_id = body["causal_statements"][0]["id"]
    assert client.delete(f"/api/v1/analyses/{analysis_id}/causal_statements/{statement_id}", headers=h).status_code == 409
    assert client.delete(f"/api/v1/analyses/{analysis_id}/action_items/{item_id}", headers=h).status_code == 409
    assert client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json() == body


def test_delete_answers_404_for_unknown_foreign_or_out_of_scope_entries(client, region):
    h = region.headers["rm_h"]
    analysis_id, other_id = start(client, region), start(client, region)
    member_id = client.post(f"/api/v1/analyses/{analysis_id}/team", json={"name": "Hanne"}, headers=h).get_json()["id"]
    foreign_id = client.post(f"/api/v1/analyses/{other_id}/team", json={"name": "Karl"}, headers=h).get_json()["id"]
    for path in (f"fishbone/{member_id}", "cases/1", f"timeline/{member_id}", "team/99999", "team/abc",
                 "action_items/99999", f"team/{foreign_id}"):
        assert client.delete(f"/api/v1/analyses/{analysis_id}/{path}", headers=h).status_code == 404, path
    assert client.delete(f"/api/v1/analyses/{analysis_id}/team/{member_id}", headers=region.headers["rm_k2"]).status_code == 404
    assert client.delete(f"/api/v1/analyses/99999/team/{member_id}", headers=h).status_code == 404
    assert [m["name"] for m in client.get(f"/api/v1/analyses/{analysis_id}", headers=h).get_json()["team"]] == ["Hanne"]
    assert [m["name"] for m in client.get(f"/api/v1/analyses/{other_id}", headers=h).get_json()["team"]] == ["Karl"]
    assert client.delete(f"/api/v1/analyses/{other_id}/team/{foreign_id}", headers=h).status_code == 200


def test_delete_writes_one_audit_row_without_the_text(app, client, region):
    analysis_id = start(client, region)
    h = region.headers["rm_h"]
    statement_id = client.post(f"/api/v1/analyses/{analysis_id}/causal_statements", json=STATEMENT, headers=h).get_json()["id"]
    assert client.delete(f"/api/v1/analyses/{analysis_id}/causal_statements/{statement_id}", headers=h).status_code == 200
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "analysis.entry_removed")).all()
        assert len(rows) == 1
        assert rows[0].detail == {"part": "causal_statements", "entry_id": statement_id}
        assert rows[0].object_id == analysis_id and rows[0].actor_label == "rm@h.dk"
        assert "epikrisen" not in str(rows[0].detail)
