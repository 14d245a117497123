"""GET /api/v1/cases/<reference>/audit: central risk managers over the case and admins; 404 for others (SPEC §13, §14)."""
import pytest

from tests.factories import report_data


@pytest.fixture
def reference(client, region):
    body = report_data(event_org="H-MED", patient={"cpr": "0101901234", "name": "Jens Hansen"})
    return client.post("/api/v1/reports", json=body, headers=region.headers["nurse"]).get_json()["reference"]


def test_central_risk_manager_and_admin_read_the_trail(client, region, reference):
    client.get(f"/api/v1/cases/{reference}?purpose=sagsbehandling", headers=region.headers["rm_h"])
    for who in ("central", "admin"):
        response = client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers[who])
        assert response.status_code == 200
        items = response.get_json()["items"]
        assert [i["action"] for i in items] == ["case.created", "case.personal_data_viewed"]
        assert items[0]["actor"] == "nurse@h.dk" and items[1]["actor"] == "rm@h.dk"
        assert items[1]["purpose"] == "Sagsbehandling"  # the listed purpose's name, as the case page records it
        assert set(items[0]) >= {"at", "actor", "action", "detail"}
        assert "0101901234" not in response.get_data(as_text=True) and "Jens" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["rm_h", "rm_k", "nurse", "forum"])
def test_everyone_else_gets_404(client, region, reference, who):
    assert client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers[who]).status_code == 404


def test_unknown_case_is_404(client, region):
    assert client.get("/api/v1/cases/UTH-2026-999999/audit", headers=region.headers["admin"]).status_code == 404


def test_patient_only_with_a_purpose(client, region, reference):
    plain = client.get(f"/api/v1/cases/{reference}", headers=region.headers["rm_h"]).get_json()
    assert "patient" not in plain
    header = client.get(f"/api/v1/cases/{reference}", headers={**region.headers["rm_h"], "X-UTH-Purpose": "analyse"}).get_json()
    assert header["patient"]["name"] == "Jens Hansen"
    items = client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers["admin"]).get_json()["items"]
    assert [(i["action"], i["purpose"]) for i in items if i["action"] == "case.personal_data_viewed"] == [
        ("case.personal_data_viewed", "Analyse af hændelsen")]


def test_purpose_follows_the_case_pages_rules(client, region, reference):
    """One rule for the page and the API: a listed purpose, or a few words of one's own ("Andet: …");
    "andet" alone is not a purpose."""
    headers = region.headers["rm_h"]
    refused = client.get(f"/api/v1/cases/{reference}?purpose=andet", headers=headers)
    assert refused.status_code == 422 and "purpose" in refused.get_json()["errors"]
    own = client.get(f"/api/v1/cases/{reference}", headers={**headers, "X-UTH-Purpose": "Opfølgning på klage"}).get_json()
    assert own["patient"]["name"] == "Jens Hansen"
    items = client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers["admin"]).get_json()["items"]
    assert [i["purpose"] for i in items if i["action"] == "case.personal_data_viewed"] == ["Andet: Opfølgning på klage"]


def test_every_view_of_a_case_holding_personal_data_is_in_the_trail(app, client, region, reference):
    """SPEC §13: the API's and the case page's plain views showing the reporter are logged; the queue
    carries no identities; once the close has deleted the identities, views are not logged."""
    full = client.get(f"/api/v1/cases/{reference}", headers=region.headers["rm_h"]).get_json()
    assert full["reporter"]["email"] == "nurse@h.dk"
    queue = client.get("/api/v1/cases", headers=region.headers["rm_h"]).get_json()["items"]
    assert [c["reference"] for c in queue] == [reference] and "reporter" not in queue[0]
    from tests.conftest import login
    login(client, "rm@h.dk")
    assert client.get(f"/cases/{reference}").status_code == 200
    items = client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers["admin"]).get_json()["items"]
    views = [(i["actor"], i["detail"]) for i in items if i["action"] == "case.viewed"]
    assert views == [("rm@h.dk", {"reference": reference, "shown": ["reporter"]})] * 2

    with app.app_context():
        from sqlalchemy import select

        from uth.extensions import db
        from uth.reports.models import Case
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        case.patient_cpr = case.patient_name = case.reporter_name = case.reporter_email = case.reporter_phone = None
        db.session.commit()  # as the close leaves it
    client.get(f"/api/v1/cases/{reference}", headers=region.headers["rm_h"])
    client.get(f"/cases/{reference}")
    items = client.get(f"/api/v1/cases/{reference}/audit", headers=region.headers["admin"]).get_json()["items"]
    assert len([i for i in items if i["action"] == "case.viewed"]) == 2
