"""GET /api/v1/learning/similar and the receipt page (SPEC §20): published learning the reader may
read, most similar first, never a case, never a draft or another cluster's summary."""
import pytest

from tests.conftest import FIXED_NOW, csrf_token, login
from tests.factories import make_token
from tests.learning_region import closed_case, make_learning_region
from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services

FALL_TEXT = "Patienten faldt om natten på vej til toilettet uden rollator; sengealarmen var slukket."


def summary(title, text, *, visibility="cluster", publish=True, who="rm@h.dk"):
    case = closed_case(title=title, description=text + " " * 2 + "Beskrevet af afdelingen.")
    made = services.create_summary_from_case(find_user(who), case, now=FIXED_NOW,
                                             fields={"title": title, "summary": text, "visibility": visibility})
    if publish:
        services.publish_summary(find_user(who), made, now=FIXED_NOW)
    db.session.commit()
    return made.id


@pytest.fixture
def world(app):
    with app.app_context():
        make_learning_region()
        ids = {
            "fall": summary("Fald om natten forebygges med sengealarm", "Fald ved natlige toiletbesøg: tænd sengealarmen "
                            "og stil rollatoren ved sengen."),
            "national": summary("Rollator ved sengen", "Patienter der falder om natten på vej til toilettet har ofte "
                                "rollatoren stående for langt væk.", visibility="national"),
            "epikrise": summary("Epikrise samme dag", "Send epikrisen elektronisk samme dag som udskrivelsen."),
            "draft": summary("Kladde om fald om natten", "Fald om natten toilet rollator sengealarm.", publish=False),
        }
        tokens = {email: {"Authorization": f"Bearer {make_token(find_user(email))}"}
                  for email in ("nurse@h.dk", "rm@k2.dk", "forum2@kl2.dk")}
    return ids, tokens


def similar(client, headers, text):
    return client.get("/api/v1/learning/similar", query_string={"text": text}, headers=headers)


def test_a_reporter_finds_their_clusters_and_national_learning_most_similar_first(client, world):
    ids, tokens = world
    items = similar(client, tokens["nurse@h.dk"], FALL_TEXT).get_json()["items"]
    found = [item["id"] for item in items]
    assert found[:2] in ([ids["fall"], ids["national"]], [ids["national"], ids["fall"]])
    assert ids["draft"] not in found
    assert all(item["status"] == "published" and "reference" not in item for item in items)  # learning, never a case


def test_another_clusters_reader_sees_only_the_national_learning(client, world):
    ids, tokens = world
    for who in ("rm@k2.dk", "forum2@kl2.dk"):
        found = [item["id"] for item in similar(client, tokens[who], FALL_TEXT).get_json()["items"]]
        assert found == [ids["national"]], who


def test_text_is_required(client, world):
    _, tokens = world
    response = similar(client, tokens["nurse@h.dk"], " ")
    assert response.status_code == 422 and "text" in response.get_json()["errors"]


def test_the_receipt_page_shows_what_was_learned_from_similar_reports(client, world):
    ids, _ = world
    login(client, "nurse@h.dk")
    token = csrf_token(client, "/reports/new")
    response = client.post("/reports/new", data={
        "csrf_token": token, "title": "Fald på vej til toilet", "description": FALL_TEXT, "event_org": "H-MED",
        "occurred_at": "2026-11-22T03:00", "occurred_at_precision": "known", "actual_consequence": "minor",
        "possible_consequence": "serious_or_fatal"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Andre har indberettet noget lignende — det har vi lært" in html, html[:3000]
    assert "Fald om natten forebygges med sengealarm" in html and "Rollator ved sengen" in html
    assert "Epikrise samme dag" not in html and "Kladde om fald" not in html
