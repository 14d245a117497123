"""On a phone (390 px) the search page and the batch page do not scroll sideways (QA findings): the
search box was 417 px wide (size=50), and a hidden column name inside a scrolling table stuck out."""
import pytest

from tests.browser.conftest import sideways_scroll, sign_in
from tests.factories import make_org, make_user


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_org("H", "hospital", name="Aarhus Universitetshospital")
        make_org("H-MED", "hospital", parent="H", name="AUH Medicinsk sengeafsnit M1")
        make_user("rm@h.dk", "risk_manager", "H", ("reporter", "H"), name="Rikke Risikomanager")
    return live_url


@pytest.mark.parametrize("path", ["/search", "/batch?month=2026-10"])
def test_pages_fit_a_phone_without_sideways_scroll(server, browser, path):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, server, "rm@h.dk")
    page.goto(server + path)
    assert page.locator("h1").count() == 1
    assert sideways_scroll(page) == 0


def test_the_search_box_is_as_tall_as_its_button_on_a_desk(server, browser):
    """On a desk the search box was the browser's default 20 px beside a 44 px button."""
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, server, "rm@h.dk")
    page.goto(server + "/search")
    assert page.locator("#q").bounding_box()["height"] >= 44


def test_the_analysis_report_fits_a_phone(app, live_url, browser):
    """The printable analysis report was 615 px wide at 390 px (the action plan's seven columns)."""
    from tests.rca_fixtures import make_rca_region
    with app.app_context():
        serious = make_rca_region().serious
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, live_url, "rm@h.dk")
    page.goto(f"{live_url}/cases/{serious}")
    page.locator("form.start-analysis button").click()
    page.goto(page.url.split("?")[0].split("#")[0] + "/report")
    assert page.locator("h1").count() == 1
    assert sideways_scroll(page) == 0
