"""The analysis pages: case prompt, queue marks, building step by step, errors, report, scope."""
from datetime import date
from html import unescape

import pytest

from tests.conftest import csrf_token, login, logout
from tests.rca_fixtures import make_rca_region
from uth.extensions import db
from uth.rca.models import ActionItem, Analysis


@pytest.fixture
def region(app):
    with app.app_context():
        return make_rca_region()


def start_analysis(client, region, method="rca2") -> str:
    token = csrf_token(client, f"/cases/{region.serious}")
    response = client.post(f"/cases/{region.serious}/analyses", data={"csrf_token": token, "method": method})
    assert response.status_code == 302
    return response.headers["Location"]


def post_part(client, url, part, **data):
    token = csrf_token(client, url)
    return client.post(f"{url}/parts/{part}", data={"csrf_token": token, **data})


def test_serious_case_prompts_an_analysis_until_one_exists(client, region):
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{region.serious}").get_data(as_text=True)
    assert "Denne hændelse bør analyseres" in page and 'name="method"' in page
    assert "Denne hændelse bør analyseres" not in client.get(f"/cases/{region.minor}").get_data(as_text=True)
    queue = client.get("/cases").get_data(as_text=True)
    assert queue.count("Bør analyseres") == 1
    url = start_analysis(client, region)
    page = client.get(f"/cases/{region.serious}").get_data(as_text=True)
    assert "Denne hændelse bør analyseres" not in page and url in page
    assert "Bør analyseres" not in client.get("/cases").get_data(as_text=True)


def test_build_an_analysis_through_the_forms(app, client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    assert post_part(client, url, "team", name="Hanne Holm", role="Sygeplejerske", involved="on").status_code == 302
    assert post_part(client, url, "timeline", at="2026-11-20T18:00", text="Patienten udskrives").status_code == 302
    assert post_part(client, url, "timeline", time_text="Samme morgen", text="Stuegang").status_code == 302
    assert post_part(client, url, "causal_statements", cause="Dårlig kommunikation", effect="insulin blev ikke givet",
                     event="patienten blev genindlagt").status_code == 302
    assert post_part(client, url, "contributing_factors", code="kommunikation.skriftlig", note="Epikrise").status_code == 302
    assert post_part(client, url, "action_items", text="Automatisk epikrise", strength="stronger",
                     responsible="Afdelingsledelsen", due_on="2027-02-01").status_code == 302
    page = unescape(client.get(url).get_data(as_text=True))
    assert "Hanne Holm" in page and "RCA² anbefaler mindst 4 medlemmer" in page
    assert page.index("Patienten udskrives") < page.index("Stuegang")  # untimed entries go last
    assert 'Undgå negative eller vage beskrivelser som "Dårlig"' in page
    assert "Skriftlig overlevering og dokumentation" in page and "01-02-2027" in page
    assert "Stærkere" in page and "Svagere" in page  # the action hierarchy as guidance
    with app.app_context():
        analysis = db.session.scalar(db.select(Analysis))
        assert len(analysis.team) == 1 and analysis.team[0].involved is True
        assert analysis.action_items[0].due_on == date(2027, 2, 1)


def test_invalid_entry_shows_danish_errors_and_keeps_nothing(app, client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    response = post_part(client, url, "action_items", text="", strength="", due_on="snart")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Feltet skal udfyldes" in html and "Ugyldig dato" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ActionItem)) == 0


def test_status_buttons_report_what_is_missing_then_approve(client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    token = csrf_token(client, url)
    refused = client.post(f"{url}/status", data={"csrf_token": token, "status": "in_review"})
    assert refused.status_code == 422 and "Tilføj mindst ét punkt til tidslinjen" in refused.get_data(as_text=True)
    post_part(client, url, "causal_statements", cause="Epikrisen blev ikke sendt, fordi systemet fejlede",
              effect="hjemmeplejen kendte ikke ordinationen", event="insulin blev ikke givet")
    assert client.post(f"{url}/status", data={"csrf_token": token, "status": "in_review"}).status_code == 302
    missing = client.post(f"{url}/status", data={"csrf_token": token, "status": "approved"})
    assert missing.status_code == 422 and "ansvarlig og tidsfrist" in missing.get_data(as_text=True)
    post_part(client, url, "action_items", text="Automatisk epikrise", strength="stronger", responsible="Ledelsen", due_on="2027-02-01")
    assert client.post(f"{url}/status", data={"csrf_token": token, "status": "approved"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Analysen er godkendt og kan ikke ændres" in page and "Tilføj teammedlem" not in page
    assert post_part(client, url, "team", name="For sent").status_code == 409
    report = client.get(f"{url}/report").get_data(as_text=True)
    assert "Analyserapport" in report and "rca.css" in report
    css = client.get("/static/rca.css")
    assert "@media print" in css.get_data(as_text=True)
    css.close()
    assert "Automatisk epikrise" in report and "Godkendt" in report


def test_action_item_status_can_change_after_approval(app, client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    post_part(client, url, "timeline", time_text="Aften", text="Ingen insulin")
    post_part(client, url, "action_items", text="Tjekliste", strength="intermediate", responsible="Ledelsen", due_on="2026-11-01")
    with app.app_context():
        item_id = db.session.scalar(db.select(ActionItem.id))
    assert "Tiltag overskredet" in client.get("/cases").get_data(as_text=True)
    token = csrf_token(client, url)
    assert client.post(f"{url}/action_items/{item_id}", data={"csrf_token": token, "status": "done"}).status_code == 302
    with app.app_context():
        assert db.session.get(ActionItem, item_id).status == "done"
    assert "Tiltag overskredet" not in client.get("/cases").get_data(as_text=True)


def test_the_queue_marks_each_case_by_its_own_analyses(app, client, region):
    """Per row: an analysed case has no prompt; a case whose analysis (or one of its analyses) has an
    open action item past due is marked, also a second case linked to that analysis; a not yet due
    or a done item marks nothing; an involved organisation is not prompted to analyse."""
    from tests.conftest import FIXED_NOW
    from tests.factories import make_case
    from tests.rca_fixtures import SERIOUS
    from uth.auth.services import find_user
    from uth.rca.parts import add_part
    from uth.rca.services import create_analysis, link_case
    from uth.reports.services import get_visible_case
    with app.app_context():
        rm = find_user("rm@h.dk")
        nurse = find_user("nurse@h.dk")
        planned, _ = make_case(nurse, event_org="H-MED", **{**SERIOUS, "title": "Planlagt tiltag"})
        unanalysed, _ = make_case(nurse, event_org="H-MED", **{**SERIOUS, "title": "Ingen analyse"})
        late = create_analysis(rm, get_visible_case(rm, region.serious), "rca2", now=FIXED_NOW)
        add_part(rm, late, "action_items", {"text": "Tjekliste", "strength": "intermediate", "responsible": "Ledelsen",
                                            "due_on": "2026-11-01"}, now=FIXED_NOW)
        add_part(rm, late, "action_items", {"text": "Senere", "strength": "stronger", "responsible": "Ledelsen",
                                            "due_on": "2027-02-01"}, now=FIXED_NOW)
        link_case(rm, late, region.minor, now=FIXED_NOW)
        on_time = create_analysis(rm, planned, "rca2", now=FIXED_NOW)
        add_part(rm, on_time, "action_items", {"text": "Automatisk epikrise", "strength": "stronger",
                                               "responsible": "Ledelsen", "due_on": "2027-02-01"}, now=FIXED_NOW)
        db.session.commit()
        refs = {"serious": region.serious, "minor": region.minor, "planned": planned.reference,
                "unanalysed": unanalysed.reference}

    def marks(who):
        login(client, who)
        html = client.get("/cases").get_data(as_text=True)
        row = lambda ref: html[html.index(f">{ref}</a>"):].split("</tr>")[0]  # noqa: E731
        return {name: ("Bør analyseres" in row(ref), "Tiltag overskredet" in row(ref))
                for name, ref in refs.items() if f">{ref}</a>" in html}

    assert marks("rm@h.dk") == {"serious": (False, True), "minor": (False, True), "planned": (False, False),
                                "unanalysed": (True, False)}
    logout(client)
    assert marks("rm@k.dk") == {"serious": (False, True), "planned": (False, False), "unanalysed": (False, False)}


def test_other_organisation_gets_404_and_csrf_is_required(client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    assert client.post(f"{url}/parts/team", data={"name": "Uden token"}).status_code == 400
    logout(client)
    login(client, "rm@k2.dk")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/report").status_code == 404
    assert client.get(f"/cases/{region.serious}").status_code == 404


def test_a_second_analysis_of_a_case_is_asked_for_not_one_click_away(client, region):
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{region.serious}").get_data(as_text=True)
    assert "Start endnu en analyse af sagen" not in page  # the first one is the box's main button
    start_analysis(client, region)
    page = client.get(f"/cases/{region.serious}").get_data(as_text=True)
    box = page[page.index('id="analysis-box"'):]
    assert box.index("<details") < box.index("Start endnu en analyse af sagen") < box.index('name="method"')
