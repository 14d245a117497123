"""Search wired into the app (SPEC §12): indexed after commit, scoped before counting, through the API."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from uth.extensions import db
from uth.search.indexing import get_backend, pending_count
from tests.factories import make_case, make_org, make_token, make_user, report_data


@pytest.fixture
def region(app):
    """Hospital H (cluster KL1) and two kommuner, each with a risk manager; reporters in H and K."""
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R", cluster="KL1")
        make_org("H-MED", "hospital", parent="H", cluster="KL1")
        make_org("K", "kommune", cluster="KL1")
        make_org("K-HJ", "kommune", parent="K", cluster="KL1")
        make_org("K2", "kommune", cluster="KL2")
        users = {
            "nurse": make_user("nurse@h.dk", "reporter", "H-MED"),
            "helper": make_user("helper@k.dk", "reporter", "K-HJ"),
            "rm_h": make_user("rm@h.dk", "risk_manager", "H"),
            "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
            "rm_k2": make_user("rm@k2.dk", "risk_manager", "K2"),
            "central": make_user("central@r.dk", "central_risk_manager", "R"),
            "forum": make_user("forum@kl1.dk", "forum_member", "KL1"),
        }
        headers = {name: {"Authorization": f"Bearer {make_token(u)}"} for name, u in users.items()}
    return SimpleNamespace(headers=headers)


def submit(client, region, who="nurse", **fields):
    response = client.post("/api/v1/reports", json=report_data(**fields), headers=region.headers[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def search(client, region, query, who="rm_h", status=200, **params):
    response = client.get("/api/v1/search", query_string={"q": query, **params}, headers=region.headers[who])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refs(body) -> set[str]:
    return {item["reference"] for item in body["items"]}


def test_a_submitted_case_is_found_by_the_next_request_with_danish_stemming(client, region):
    ref = submit(client, region, title="Fald på badeværelset",
                 description="Patienten faldt om natten på vej til toilettet og slog hovedet mod håndvasken.")
    body = search(client, region, "faldet")  # fald / faldt / faldet share a stem
    assert body["total"] == 1 and refs(body) == {ref}
    item = body["items"][0]
    assert item["title"] == "Fald på badeværelset" and "<mark>" in item["snippet"] and item["score"] > 0
    assert search(client, region, "håndvask*")["total"] == 1
