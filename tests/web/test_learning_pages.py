"""Forum pages, the summary editor, the digest and the statistics page with charts and CSV."""
import re

import pytest

from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services
from uth.learning.models import LearningSummary
from tests.conftest import FIXED_NOW, csrf_token, login, logout
from tests.learning_region import closed_case, make_learning_region


@pytest.fixture
def region(app):
    with app.app_context():
        make_learning_region()


def _published(app, title: str, visibility: str = "cluster", **case_fields) -> int:
    with app.app_context():
        rm = find_user("rm@h.dk")
        summary = services.create_summary_from_case(rm, closed_case(**case_fields), now=FIXED_NOW)
        services.update_summary(rm, summary, {"title": title, "visibility": visibility}, now=FIXED_NOW)
        services.publish_summary(rm, summary, now=FIXED_NOW)
        db.session.commit()
        return summary.id


def test_risk_manager_writes_learning_from_the_case_page_and_publishing_highlights_findings(app, client, region):
    with app.app_context():
        reference = closed_case().reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Skriv læring" in page
    token = csrf_token(client, f"/cases/{reference}")
    assert client.post(f"/cases/{reference}/learning").status_code == 400  # no CSRF token
    created = client.post(f"/cases/{reference}/learning", data={"csrf_token": token})
    assert created.status_code == 302
    editor_path = created.headers["Location"]
    summary_id = int(editor_path.rsplit("/", 1)[1])

    fields = {"csrf_token": token, "title": "Epikriser skal sendes elektronisk", "summary": "Sofie Hansen opdagede fejlen.",
              "learning_points": "Tjek udsendelse.", "recommendations": "", "event_type": "", "transition_type": "", "visibility": "national"}
    assert client.post(editor_path, data=fields).status_code == 302
    refused = client.post(f"/learning/{summary_id}/publish", data={"csrf_token": token})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert '<mark title="name">Sofie Hansen</mark>' in html
    with app.app_context():
        assert db.session.get(LearningSummary, summary_id).status == "draft"

    client.post(editor_path, data={**fields, "summary": "En medarbejder opdagede fejlen."})
    assert client.post(f"/learning/{summary_id}/publish", data={"csrf_token": token}).status_code == 302
    assert "Offentliggjort" in client.get(editor_path).get_data(as_text=True)
    assert client.post(f"/learning/{summary_id}/retract", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(LearningSummary, summary_id).status == "retracted"


def test_forum_page_lists_cluster_and_national_learning_with_search_and_filters(app, client, region):
    _published(app, "Klyngens egen læring")
    _published(app, "Fald i hjemmet", "national", event_type="fald.uden_skade")
    login(client, "forum2@kl2.dk")
    page = client.get("/learning").get_data(as_text=True)
    assert "Fald i hjemmet" in page and "Klyngens egen læring" not in page
    logout(client)
    login(client, "forum1@kl1.dk")
    assert "Klyngens egen læring" in client.get("/learning").get_data(as_text=True)
    found = client.get("/learning?q=hjemmet").get_data(as_text=True)
    assert "Fald i hjemmet" in found and "Klyngens egen læring" not in found
    filtered = client.get("/learning?event_type=fald").get_data(as_text=True)
    assert "Fald i hjemmet" in filtered and "Klyngens egen læring" not in filtered
    digest = client.get("/learning/digest?since=2026-11-01").get_data(as_text=True)
    assert "Fald i hjemmet" in digest and "Klyngens egen læring" in digest
    assert "Fald i hjemmet" not in client.get("/learning/digest?since=2026-11-24").get_data(as_text=True)


def test_forum_members_never_reach_raw_cases_in_pages(app, client, region):
    with app.app_context():
        reference = closed_case().reference
    summary_id = _published(app, "Læring uden sagsnumre")
    login(client, "forum1@kl1.dk")
    assert client.get("/cases").status_code == 404
    assert client.get(f"/cases/{reference}").status_code == 404
    assert reference not in client.get(f"/learning/{summary_id}").get_data(as_text=True)
    assert client.get("/batch").status_code == 404


def test_stats_page_draws_charts_and_suppresses_small_cells(app, client, region):
    with app.app_context():
        for _ in range(6):
            closed_case(event_type="overgange.information.epikrise")
        for _ in range(2):
            closed_case(event_type="fald.uden_skade")
        for _ in range(5):
            closed_case(event_type="medicinering.opbevaring")
    login(client, "forum1@kl1.dk")
    response = client.get("/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 5 and 'class="chart line-chart"' in html
    assert "<title>Fald: &lt; 5</title>" in html
    table = re.search(r'<table class="list stats-table" id="table-event_type">.*?</table>', html, re.S).group(0)
    assert "&lt; 5" in table and "<td class=\"num\">6</td>" in table
    assert "<title>november 2026: 13</title>" in html

    csv_text = client.get("/stats.csv?by=event_type").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "key,label,count"
    assert "fald,Fald,< 5" in csv_text and "overgange,Patientovergange og kommunikation,6" in csv_text
    assert "total,I alt,13" in csv_text


def test_stats_page_is_not_for_local_risk_managers(app, client, region):
    login(client, "rm@h.dk")
    assert client.get("/stats").status_code == 404
    assert client.get("/stats.csv?by=month").status_code == 404


def test_aggregated_draft_from_several_case_references(app, client, region):
    with app.app_context():
        first, second = closed_case().reference, closed_case(event_type="overgange.aftaler.hjaelpemidler").reference
    login(client, "rm@h.dk")
    token = csrf_token(client, "/learning")
    created = client.post("/learning/new", data={"csrf_token": token, "references": f"{first}, {second}"})
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Samlet læring fra 2 sager" in page and first in page and second in page
    assert client.post("/learning/new", data={"csrf_token": token, "references": "UTH-2026-999999"}).status_code == 404


def test_publish_publishes_what_is_in_the_form_and_a_refusal_keeps_the_typed_text(app, client, region):
    """Issue 12: edit the text, press "Offentliggør": the edited text is published, not the stored one."""
    with app.app_context():
        rm = find_user("rm@h.dk")
        summary = services.create_summary_from_case(rm, closed_case(), now=FIXED_NOW)
        db.session.commit()
        summary_id, old_summary = summary.id, summary.summary
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/learning/{summary_id}")
    page = client.get(f"/learning/{summary_id}").get_data(as_text=True)
    assert f'formaction="/learning/{summary_id}/publish"' in page
    fields = {"csrf_token": token, "title": "Ny overskrift skrevet i editoren", "summary": "Sofie Hansen opdagede fejlen.",
              "learning_points": "Tjek udsendelse.", "recommendations": "", "event_type": "", "transition_type": "",
              "visibility": "cluster"}
    refused = client.post(f"/learning/{summary_id}/publish", data=fields)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="Ny overskrift skrevet i editoren"' in html and "Tjek udsendelse." in html
    assert '<mark title="name">Sofie Hansen</mark>' in html
    with app.app_context():
        stored = db.session.get(LearningSummary, summary_id)
        assert (stored.status, stored.summary) == ("draft", old_summary)

    fixed = {**fields, "summary": "En medarbejder opdagede fejlen."}
    assert client.post(f"/learning/{summary_id}/publish", data=fixed).status_code == 302
    with app.app_context():
        stored = db.session.get(LearningSummary, summary_id)
        assert (stored.status, stored.title, stored.summary, stored.learning_points) == (
            "published", "Ny overskrift skrevet i editoren", "En medarbejder opdagede fejlen.", "Tjek udsendelse.")
