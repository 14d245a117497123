"""Scope per role: 404 outside it, limited view for involved organisations (SPEC §1, §4)."""
import pytest

from tests.factories import report_data


@pytest.fixture
def cases(client, region):
    def make(headers, **fields):
        return client.post("/api/v1/reports", json=report_data(**fields), headers=headers).get_json()["reference"]
    return {
        "hospital": make(region.headers["nurse"], transition={"type": "udskrivelse", "from_org": "H-MED", "to_org": "K-HJ"},
                         patient={"cpr": "0101901234", "name": "Jens Hansen"}, reporter={"anonymous": True}),
        "kommune": make(region.headers["nurse"], event_org="K-HJ"),
    }


def get(client, region, who, ref):
    return client.get(f"/api/v1/cases/{ref}", headers=region.headers[who])


def test_handling_risk_manager_gets_the_full_view(client, region, cases):
    case = client.get(f"/api/v1/cases/{cases['hospital']}?purpose=sagsbehandling", headers=region.headers["rm_h"]).get_json()
    assert case["view"] == "full" and case["patient"]["cpr"] == "010190-1234"
    assert case["reporter"]["anonymous"] is True and case["reporter"]["email"] == "nurse@h.dk"
    assert case["cross_sector"] is True


def test_involved_org_gets_a_limited_view_without_identities(client, region, cases):
    case = get(client, region, "rm_k", cases["hospital"]).get_json()
    assert case["view"] == "limited"
    assert "reporter" not in case and "patient" not in case


@pytest.mark.parametrize("who", ["rm_k2", "forum", "admin", "nurse"])
def test_everyone_else_gets_404(client, region, cases, who):
    assert get(client, region, who, cases["hospital"]).status_code == 404


def test_unknown_reference_is_404_too(client, region, cases):
    assert get(client, region, "rm_h", "UTH-2026-999999").status_code == 404


def test_central_risk_manager_sees_the_subtree(client, region, cases):
    assert get(client, region, "central", cases["hospital"]).get_json()["view"] == "full"
    assert get(client, region, "central", cases["kommune"]).status_code == 404  # kommune is outside the region tree


def test_queue_lists_only_the_scope_and_counts_after_filtering(client, region, cases):
    body = client.get("/api/v1/cases", headers=region.headers["rm_k"]).get_json()
    assert body["total"] == 2  # the kommune case it handles, the hospital case it is involved in
    assert client.get("/api/v1/cases", headers=region.headers["rm_k2"]).get_json() == {"items": [], "total": 0, "page": 1, "per_page": 50}
    for who in ("forum", "admin", "nurse"):
        assert client.get("/api/v1/cases", headers=region.headers[who]).status_code == 404


def test_queue_filters(client, region, cases):
    h = region.headers["rm_k"]
    assert client.get("/api/v1/cases?org=K-HJ", headers=h).get_json()["total"] == 1
    assert client.get("/api/v1/cases?status=closed", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/cases?status=new,open", headers=h).get_json()["total"] == 2
    assert client.get("/api/v1/cases?status=bogus", headers=h).status_code == 422
    assert client.get("/api/v1/cases?per_page=0", headers=h).status_code == 422
    assert client.get("/api/v1/cases?org=NOPE", headers=h).status_code == 422
    page = client.get("/api/v1/cases?per_page=1&page=2", headers=h).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1


def test_html_case_page_and_queue_scope(app, client, region, cases):
    from tests.conftest import login, logout
    login(client, "rm@k2.dk")
    assert client.get(f"/cases/{cases['hospital']}").status_code == 404
    assert cases["hospital"] not in client.get("/cases").get_data(as_text=True)
    logout(client)
    login(client, "forum@kl1.dk")
    assert client.get("/cases").status_code == 404
    assert client.get(f"/cases/{cases['hospital']}").status_code == 404
