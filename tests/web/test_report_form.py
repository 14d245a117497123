"""The two-minute report forms (SPEC §18): the core first, optional details, a picker that takes a name,
errors by label in form order in both languages, phone-friendly inputs."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import make_org, make_user
from uth.extensions import db
from uth.reports.models import Case

MINIMAL = {
    "title": "Forkert dosis givet", "description": "Patienten fik 10 mg i stedet for 5 mg.",
    "actual_consequence": "none", "possible_consequence": "minor",
}


@pytest.fixture
def region(app):
    with app.app_context():
        make_org("R", "region", name="Region Test")
        make_org("H", "hospital", parent="R", name="Testhospitalet")
        make_org("H-MED", "hospital", parent="H", name="Medicinsk afdeling")
        make_org("H2", "hospital", parent="R", name="Andet Hospital")
        make_org("H2-MED", "hospital", parent="H2", name="Medicinsk afdeling")
        make_org("K", "kommune", name="Testkommune")
        make_org("K-HJ", "kommune", parent="K", name="Hjemmeplejen")
        make_org("P1", "almen_praksis", name="Lægerne i Trøjborg")
        make_user("nurse@h.dk", "reporter", "H-MED", name="Sygeplejerske Hanne")
        make_user("carer@k.dk", "reporter", "K-HJ", name="Hjemmehjælper Kim")


class Controls(HTMLParser):
    """The report form's controls a reporter sees before opening a <details> (a radio group counts once),
    and the attributes of every control by id."""

    def __init__(self):
        super().__init__()
        self.in_form = self.details = 0
        self.visible, self.radio_groups, self.by_id, self.hidden_depth = [], set(), {}, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "report-form":
            self.in_form = 1
        if not self.in_form:
            return
        if tag == "details":
            self.details += 1
        if tag in ("input", "select", "textarea", "button"):
            if a.get("id"):
                self.by_id[a["id"]] = a
            if a.get("type") == "hidden" or "hidden" in a or self.details:
                return
            if a.get("type") == "radio":
                if a["name"] in self.radio_groups:
                    return
                self.radio_groups.add(a["name"])
            self.visible.append(a.get("name") or a.get("id") or tag)

    def handle_endtag(self, tag):
        if tag == "details" and self.in_form:
            self.details -= 1
        if tag == "form":
            self.in_form = 0


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def post(client, path: str, **fields):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, **fields})


def only_case():
    db.session.expire_all()
    return db.session.scalars(select(Case)).one()


def test_staff_form_shows_the_core_first_and_the_rest_as_details(client, region):
    login(client, "nurse@h.dk")
    html = client.get("/reports/new").get_data(as_text=True)
    seen = controls(html)
    assert len(seen.visible) <= 10, seen.visible
    assert seen.visible[:2] == ["occurred_at", "occurred_at_precision"]
    for core in ("event_org", "title", "description", "actual_consequence", "possible_consequence"):
        assert core in seen.visible
    for optional in ("transition_type", "involved_orgs_org", "patient_cpr", "medication_name", "device_type",
                     "reporting_org", "reporter_anonymous", "consequence"):
        assert optional not in seen.visible and f'name="{optional}"' in html, optional
    main = html.split("<main>", 1)[1]
    assert main.count("<details") == 7 and not re.search(r"<details[^>]*\sopen", main)  # all closed
    # where: the reporter's own unit; when: now (Copenhagen time), never after now; "Nu" comes with JavaScript
    assert seen.by_id["event_org"]["value"] == "H-MED — Medicinsk afdeling"
    assert seen.by_id["occurred_at"]["value"] == seen.by_id["occurred_at"]["max"] == "2026-11-23T10:00"
    assert "hidden" in seen.by_id["occurred_at_now"] and "data-now" in seen.by_id["occurred_at_now"]
    # the possible consequence is marked required
    assert re.search(r"Hvad kunne det have ført til\? \*</legend>", html)


def test_public_form_is_short_and_names_places_without_codes(client, region):
    html = client.get("/public/report").get_data(as_text=True)
    seen = controls(html)
    assert len(seen.visible) <= 10, seen.visible
    assert "event_org" in seen.visible and "reporting_org" not in html
    assert 'value="Medicinsk afdeling, Testhospitalet"' in html and 'value="Hjemmeplejen, Testkommune"' in html
    assert "K-HJ" not in html and "H-MED" not in html and "Sektorovergang" not in html
    assert "Fortæl os om en fejl" in html


def test_a_kommune_reporter_is_asked_about_the_citizen(client, region):
    login(client, "carer@k.dk")
    html = client.get("/reports/new").get_data(as_text=True)
    assert "Hvad betød det for borgeren?" in html and "Hvad betød det for patienten?" not in html


@pytest.mark.parametrize("typed", ["Hjemmeplejen", "hjemmeplejen", "K-HJ", "Hjemmeplejen, Testkommune", "K-HJ — Hjemmeplejen"])
def test_the_place_can_be_typed_by_name_or_code(client, region, app, typed):
    response = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org=typed, **MINIMAL)
    assert response.status_code == 302
    with app.app_context():
        assert only_case().event_org.code == "K-HJ"


def test_staff_type_a_practice_by_its_name(client, region, app):
    login(client, "nurse@h.dk")
    response = post(client, "/reports/new", occurred_at="2026-11-23T08:00", event_org="Lægerne i Trøjborg", **MINIMAL)
    assert response.status_code == 302
    with app.app_context():
        assert only_case().event_org.code == "P1"


def test_an_ambiguous_or_unknown_place_lists_the_candidates(client, region):
    login(client, "nurse@h.dk")
    html = post(client, "/reports/new", occurred_at="2026-11-23T08:00", event_org="Medicinsk afdeling", **MINIMAL).get_data(as_text=True)
    assert "Flere steder hedder Medicinsk afdeling: Medicinsk afdeling, Andet Hospital (H2-MED); Medicinsk afdeling, Testhospitalet (H-MED)" in html
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="trøjborg", **MINIMAL).get_data(as_text=True)
    assert "Ukendt sted: trøjborg. Mente du: Lægerne i Trøjborg?" in html and "(P1)" not in html
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="Månebasen", **MINIMAL).get_data(as_text=True)
    assert "Ukendt sted: Månebasen" in html


def test_errors_are_named_by_label_in_form_order_and_the_summary_takes_the_focus(client, region):
    login(client, "nurse@h.dk")
    response = post(client, "/reports/new", occurred_at="202602-11-20T14:30", title="", description="kort",
                    actual_consequence="none", patient_cpr="999999-1234")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"(.*?)</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    items = re.findall(r'<li><a href="#([a-z_]+)">([^<]*)</a></li>', summary)
    assert [field for field, _ in items] == ["occurred_at", "title", "description", "possible_consequence", "patient_cpr"]
    assert items[0][1] == "Hvornår skete det? – Dato og tid skal have et årstal med 4 cifre, fx 2026"
    assert items[1][1] == "Overskrift – Skriv en overskrift"
    assert items[2][1] == "Hvad skete der? – Skal være mindst 20 tegn (nu 4)"
    assert "occurred_at:" not in html and "actual_consequence:" not in html  # no raw field names
    seen = controls(html)
    for field, _ in items:
        assert field in seen.by_id, f"the summary links to #{field}"
    assert "occurred_at-error" in seen.by_id["occurred_at"]["aria-describedby"]
    assert "patient_cpr-error" in seen.by_id["patient_cpr"]["aria-describedby"]
    assert re.search(r'<details id="details-patient"\s+open', html)  # the section with the error is open
    assert 'value="999999-1234"' in html  # and what was typed is kept


def test_dates_in_plain_words_and_never_after_now(client, region):
    login(client, "nurse@h.dk")
    for typed, said in (("", "Dato og tid skal udfyldes"), ("2026-13-40T10:00", "Dato og tid skal være en gyldig dato med klokkeslæt"),
                        ("2026-11-25T10:00", "Dato og tid må ikke ligge i fremtiden")):
        html = post(client, "/reports/new", occurred_at=typed, **MINIMAL).get_data(as_text=True)
        assert said in html, typed
        assert "ISO 8601" not in html


def test_every_message_in_english_too(client, region):
    login(client, "nurse@h.dk")
    client.get("/reports/new?lang=en")
    html = post(client, "/reports/new", occurred_at="2026-11-25T10:00", title="", description="kort",
                event_org="Medicinsk afdeling").get_data(as_text=True)
    for english in ("When did it happen? – Date and time cannot be in the future", "Title – Write a title",
                    "Must be at least 20 characters (now 4)", "Choose what the event meant for the patient",
                    "Several places are called Medicinsk afdeling", "More about the event", "Submit"):
        assert english in html, english
    for danish in ("Skriv en overskrift", "Skal være mindst", "Flere steder", "Hvornår skete det"):
        assert danish not in html, danish


def test_the_api_names_the_problem_in_danish_or_english(client, region, app):
    from tests.factories import make_token
    with app.app_context():
        from uth.auth.services import find_user
        token = make_token(find_user("nurse@h.dk"))
    headers = {"Authorization": f"Bearer {token}"}
    body = {"occurred_at": "202602-11-20T14:30", "title": "x", "description": "Patienten fik for meget medicin.",
            "actual_consequence": "none", "possible_consequence": "minor", "event_org": "Lægerne i Trøjborg"}
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"occurred_at": ["Dato og tid skal have et årstal med 4 cifre, fx 2026"]}
    english = client.post("/api/v1/reports?lang=en", json={**body, "occurred_at": None}, headers=headers)
    assert english.get_json()["errors"] == {"occurred_at": ["Date and time are required"]}
    assert client.post("/api/v1/reports", json={**body, "occurred_at": "2026-11-20T14:30"}, headers=headers).status_code == 201


def test_phone_friendly_inputs(client, region):
    html = client.get("/public/report").get_data(as_text=True)
    seen = controls(html)
    assert seen.by_id["patient_cpr"]["inputmode"] == "numeric"
    assert seen.by_id["reporter_phone"]["type"] == "tel" and seen.by_id["reporter_email"]["type"] == "email"
    assert seen.by_id["occurred_at"]["type"] == "datetime-local"


def test_the_form_works_without_javascript_for_the_serious_case(client, region, app):
    """No script hides the possible consequence: a serious event posted with none is accepted."""
    login(client, "nurse@h.dk")
    response = post(client, "/reports/new", occurred_at="2026-11-23T08:00", title="Fald med fraktur",
                    description="Patienten faldt på badeværelset og brækkede hoften.", actual_consequence="serious")
    assert response.status_code == 302
    with app.app_context():
        case = only_case()
        assert case.reporting_org.code == "H-MED" and case.severity == "serious_consequence"
        assert case.occurred_at.isoformat().startswith("2026-11-23T07:00")  # Copenhagen time, stored as UTC


@pytest.fixture
def english_region(app):
    with app.app_context():
        make_org("H", "hospital", name="North Hospital")
        make_org("H-MED", "hospital", parent="H", name="Medicine Ward")
        make_user("nora@h.dk", "reporter", "H-MED", name="Nora Nurse")


def test_the_forms_errors_and_receipt_in_english_have_no_danish(client, english_region):
    from tests.web.test_english_pages import danish_leftovers

    html = client.get("/public/report?lang=en").get_data(as_text=True)
    assert "Tell us about a mistake" in html and danish_leftovers(html) == []
    failed = post(client, "/public/report", occurred_at="2026-11-25T10:00", description="short", event_org="Nowhere")
    html = failed.get_data(as_text=True)
    assert "Date and time cannot be in the future" in html and "Unknown place: Nowhere" in html
    assert danish_leftovers(html) == []
    sent = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="Medicine Ward",
                **{**MINIMAL, "title": "Wrong dose", "description": "The patient was given 10 mg instead of 5 mg."})
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your report" in html and danish_leftovers(html) == []
    expired = client.post("/public/report", data={**MINIMAL, "csrf_token": "old"}).get_data(as_text=True)
    assert "The page had expired" in expired and danish_leftovers(expired) == []


def test_the_candidates_are_offered_as_picks_that_the_form_takes_back(client, region, app):
    login(client, "nurse@h.dk")
    html = post(client, "/reports/new", occurred_at="2026-11-23T08:00", event_org="Medicinsk afdeling", **MINIMAL).get_data(as_text=True)
    offered = re.findall(r'<button type="button" class="pick" data-value="([^"]+)">([^<]+)</button>', html)
    assert offered == [("H2-MED — Medicinsk afdeling", "Medicinsk afdeling, Andet Hospital (H2-MED)"),
                       ("H-MED — Medicinsk afdeling", "Medicinsk afdeling, Testhospitalet (H-MED)")]
    picks = [value for value, _shown in offered]
    assert 'data-picks-for="event_org" hidden' in html  # shown by the script; without it the error lists them
    response = post(client, "/reports/new", occurred_at="2026-11-23T08:00", event_org=picks[1], **MINIMAL)
    assert response.status_code == 302
    with app.app_context():
        assert only_case().event_org.code == "H-MED"


def test_the_public_form_offers_places_by_name_only(client, region):
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="trøjborg", **MINIMAL).get_data(as_text=True)
    assert re.findall(r'class="pick" data-value="([^"]+)"', html) == ["Lægerne i Trøjborg"]
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="Månebasen", **MINIMAL).get_data(as_text=True)
    assert 'class="pick"' not in html  # nothing to offer


def test_a_place_named_as_people_say_it_is_offered(client, region, app):
    """"Hjemmeplejen", "skadestuen", "apoteket": the definite form finds a place named without it."""
    with app.app_context():
        make_org("K-HJN", "kommune", parent="K", name="Nordbyens Hjemmepleje")
        make_org("A1", "apotek", name="Torvets Apotek")
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="nordbyens hjemmeplejen", **MINIMAL).get_data(as_text=True)
    assert re.findall(r'class="pick" data-value="([^"]+)"', html) == ["Nordbyens Hjemmepleje, Testkommune"]
    html = post(client, "/public/report", occurred_at="2026-11-23T08:00", event_org="apoteket på torvet", **MINIMAL).get_data(as_text=True)
    assert "Mente du: Torvets Apotek?" in html
