"""The hostile requests of issue 15 item 10 and the odd values of item 18: each a clean 4xx (JSON under
/api/), never a 500; a 500 under /api/ is JSON, a page's 500 stays HTML."""
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.factories import report_data
from uth.extensions import db
from uth.reports.models import Case

NESTED = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def _report(**override) -> str:
    return json.dumps({**report_data(event_org="H-MED"), **override})


def _with_raw(field: str, raw: str) -> str:
    """A report body whose `field` is the raw JSON text `raw` (a lone surrogate, a deep nest)."""
    body = json.loads(_report())
    body[field] = "@@"
    return json.dumps(body).replace('"@@"', raw)


BODIES = [
    ("nested_list_body", NESTED, "body"),
    ("nested_object_body", DEEP_OBJECT, "body"),
    ("nested_in_title", _with_raw("title", NESTED), "body"),
    ("nested_in_patient", _with_raw("patient", DEEP_OBJECT), "body"),
    ("lone_surrogate_title", _with_raw("title", '"Epikrise \\ud800"'), "title"),
    ("lone_surrogate_description", _with_raw("description", '"\\udfff ikke modtaget til tiden, patienten"'), "description"),
    ("lone_surrogate_patient_name", _with_raw("patient", '{"name": "Jens \\udbff"}'), "patient_name"),
    ("year_one", _report(occurred_at="0001-01-01T00:00"), "occurred_at"),
    ("year_one_date", _report(occurred_at="0001-01-01"), "occurred_at"),
    ("year_1899", _report(occurred_at="1899-12-31T23:00"), "occurred_at"),
    ("year_9999", _report(occurred_at="9999-12-31T23:59"), "occurred_at"),
    ("event_type_list", _report(event_type=["medicinering"]), "event_type"),
    ("event_type_number", _report(event_type=7), "event_type"),
    ("transition_type", _report(transition={"type": {"x": 1}}), "transition_type"),
    ("role", _report(involved_orgs=[{"org": "K", "role": 5}]), "involved_orgs"),
    ("title_list", _report(title=["a", "b"]), "title"),
    ("fullwidth_cpr", _report(patient={"cpr": "０１０１９０-１２３４"}), "patient_cpr"),
    ("arabic_cpr", _report(patient={"cpr": "٠١٠١٩٠١٢٣٤"}), "patient_cpr"),
    ("sac_fraction", _report(sac=1.5), "sac"),
    ("sac_true", _report(sac=True), "sac"),
    ("sac_text_fraction", _report(sac="1.5"), "sac"),
]


@pytest.mark.parametrize("body,field", [(b, f) for _, b, f in BODIES], ids=[name for name, _, _ in BODIES])
@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/public/reports"])
def test_a_hostile_report_answers_422_naming_the_field_and_makes_no_case(app, client, region, path, body, field):
    response = client.post(path, data=body, headers={**region.headers["nurse"], "Content-Type": "application/json"})
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True)[:300])
    assert field in response.get_json()["errors"]
    assert _cases(app) == 0


def test_the_year_1900_message_is_in_danish_and_english(client, region):
    headers = {**region.headers["nurse"], "Content-Type": "application/json"}
    body = _report(occurred_at="0001-01-01T00:00")
    danish = client.post("/api/v1/reports", data=body, headers=headers).get_json()["errors"]["occurred_at"]
    english = client.post("/api/v1/reports?lang=en", data=body, headers=headers).get_json()["errors"]["occurred_at"]
    assert "1900" in danish[0] and "1900" in english[0] and danish != english


def test_a_normal_cpr_still_makes_a_case(app, client, region):
    response = client.post("/api/v1/reports", data=_report(patient={"cpr": "010190-1234"}),
                           headers={**region.headers["nurse"], "Content-Type": "application/json"})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("url", [
    "/api/v1/cases?received_from=0001-01-01",
    "/api/v1/cases?page=12345678901234567890123",
    "/api/v1/cases?per_page=12345678901234567890123",
    "/api/v1/cases?page=²",
    "/api/v1/cases/²",
    "/api/v1/cases/UTH-2026-²²²²²²",
    "/api/v1/analyses/²",
    "/api/v1/learning/²",
    "/api/v1/search?q=epikrise&received_from=0001-01-01",
    "/api/v1/search?q=epikrise&received_to=9999-12-31",
    "/api/v1/search?q=epikrise&received_from=9999-12-31&received_to=9999-12-31",
    "/api/v1/search?q=epikrise&page=12345678901234567890123",
])
def test_a_hostile_api_url_never_answers_500_and_answers_json(client, region, url):
    response = client.get(url, headers=region.headers["rm_h"])
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.is_json


@pytest.mark.parametrize("url", [
    "/audit?date_from=0001-01-01", "/audit?date_to=9999-12-31", "/audit?date_from=9999-12-31&date_to=9999-12-31",
    "/audit.csv?date_from=0001-01-01&date_to=9999-12-31", "/audit?page=12345678901234567890123",
    "/search?q=epikrise&received_from=0001-01-01&received_to=9999-12-31", "/search?q=x&page=12345678901234567890123",
    "/cases?page=12345678901234567890123", "/cases/²", "/analyses/²", "/learning/²",
])
def test_a_hostile_page_url_never_answers_500(app, client, region, url):
    from tests.factories import make_user
    with app.app_context():
        make_user("admin2@x.dk", "admin")
    login(client, "admin2@x.dk")
    response = client.get(url)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("target", ["/%0a/x", "/%0d%0a/x", "/cases%0d%0aSet-Cookie:x=1", "/%09/evil.example/"])
def test_cr_lf_in_next_is_no_500(client, region, target):
    assert client.get(f"/login?next={target}").status_code in (200, 400)


def test_a_500_under_the_api_is_json_and_a_page_500_is_html(app, client, region, monkeypatch):
    import uth.api.cases as cases_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cases_api, "queue", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/cases", headers=region.headers["rm_h"])
    assert response.status_code == 500 and response.is_json
    assert set(response.get_json()) == {"error"} and "boom" not in response.get_json()["error"]

    import uth.handling.views as handling_views
    monkeypatch.setattr(handling_views, "queue_with_counts", broken)
    from tests.factories import make_user
    with app.app_context():
        make_user("rm9@h.dk", "risk_manager", "H")
    login(client, "rm9@h.dk")
    page = client.get("/cases")
    assert page.status_code == 500 and not page.is_json and "<html" in page.get_data(as_text=True).lower()


@pytest.mark.parametrize("query,field", [("received_from=0001-01-01", "received_from"), ("received_to=9999-12-31", "received_to")])
def test_a_search_date_filter_out_of_range_answers_422_naming_it(client, region, query, field):
    response = client.get(f"/api/v1/search?q=epikrise&{query}", headers=region.headers["rm_h"])
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_an_audit_date_filter_out_of_range_is_named_on_the_page(app, client, region):
    from tests.factories import make_user
    with app.app_context():
        make_user("admin2@x.dk", "admin")
    login(client, "admin2@x.dk")
    page = client.get("/audit?date_from=0001-01-01&lang=en")
    assert page.status_code == 200 and "The year must be from 1900 to 9998" in page.get_data(as_text=True)


@pytest.mark.parametrize("offer", ["²", "12345678901234567890123", "-1"])
def test_the_routing_page_with_an_odd_offer_id_shows_the_page(app, client, region, offer):
    from tests.factories import make_user
    with app.app_context():
        make_user("admin2@x.dk", "admin")
    login(client, "admin2@x.dk")
    assert client.get(f"/admin/routing?offer={offer}").status_code == 200
