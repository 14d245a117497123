"""A shared analysis names no case outside the viewer's scope (issue #15 item 4): the involved
kommune's risk manager shares a cross-sector analysis, but not the hospital's other case linked to it."""
from tests.conftest import login
from tests.rca_fixtures import make_rca_region

OTHER_TITLE = "Lille fejl"


def _shared_aggregated_analysis(app, client):
    with app.app_context():
        region = make_rca_region()
    created = client.post(f"/api/v1/cases/{region.serious}/analyses", json={"method": "aggregated"},
                          headers=region.headers["rm_h"])
    assert created.status_code == 201
    analysis_id = created.get_json()["id"]
    linked = client.post(f"/api/v1/analyses/{analysis_id}/cases", json={"reference": region.minor},
                         headers=region.headers["rm_h"])
    assert linked.status_code == 201
    return region, analysis_id


def test_the_api_names_only_cases_the_caller_may_see(app, client):
    region, analysis_id = _shared_aggregated_analysis(app, client)
    handler = client.get(f"/api/v1/analyses/{analysis_id}", headers=region.headers["rm_h"]).get_json()
    assert sorted(handler["cases"]) == sorted([region.serious, region.minor]) and handler["other_cases"] == 0
    shared = client.get(f"/api/v1/analyses/{analysis_id}", headers=region.headers["rm_k"])
    assert shared.status_code == 200
    assert shared.get_json()["cases"] == [region.serious] and shared.get_json()["other_cases"] == 1
    assert region.minor not in shared.get_data(as_text=True)


def test_the_analysis_page_and_report_name_only_cases_the_viewer_may_see(app, client):
    region, analysis_id = _shared_aggregated_analysis(app, client)
    login(client, "rm@k.dk")
    for path in (f"/analyses/{analysis_id}", f"/analyses/{analysis_id}/report"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert region.serious in html, path
        assert region.minor not in html and OTHER_TITLE not in html, path
        assert "1 sag(er) i en anden organisation, som du ikke har adgang til" in html, path
