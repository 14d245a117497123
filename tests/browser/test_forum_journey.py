"""A forum member signs in, searches learning summaries and opens the statistics page with its charts."""
import pytest
from playwright.sync_api import expect

from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services
from tests.conftest import FIXED_NOW
from tests.browser.conftest import sign_in
from tests.learning_region import closed_case, make_learning_region


def _publish(title: str, visibility: str, **case_fields) -> None:
    rm = find_user("rm@h.dk")
    summary = services.create_summary_from_case(rm, closed_case(**case_fields), now=FIXED_NOW)
    services.update_summary(rm, summary, {"title": title, "visibility": visibility}, now=FIXED_NOW)
    services.publish_summary(rm, summary, now=FIXED_NOW)


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_learning_region()
        _publish("Epikrise forsinket ved udskrivelse", "cluster")
        _publish("Fald efter hjemkomst", "national", event_type="fald.med_skade")
        for _ in range(6):
            closed_case()
        db.session.commit()
    return live_url


def test_forum_member_searches_learning_and_reads_the_statistics(server, browser):
    page = browser.new_context().new_page()
    sign_in(page, server, "forum1@kl1.dk")

    page.click("nav >> text=Læring")
    expect(page.locator("article.summary")).to_have_count(2)
    page.fill("#q", "forsinket")
    page.click("form[role=search] button")
    expect(page.locator("article.summary")).to_have_count(1)
    expect(page.locator("article.summary")).to_contain_text("Epikrise forsinket ved udskrivelse")
    page.click("text=Epikrise forsinket ved udskrivelse")
    expect(page.locator("h1")).to_have_text("Epikrise forsinket ved udskrivelse")
    expect(page.locator("body")).not_to_contain_text("UTH-2026-")

    page.click("nav >> text=Statistik")
    expect(page.locator("svg.line-chart")).to_be_visible()
    expect(page.locator("svg.bar-chart")).to_have_count(4)
    expect(page.locator("h1")).to_have_text("Statistik 2026")
    expect(page.locator("#chart-month svg circle")).to_have_count(12)  # the year's months
    expect(page.locator("#table-month")).to_contain_text("november 2026")
    expect(page.locator("#table-event_type")).to_contain_text("< 5")
    expect(page.locator("#table-event_type")).to_contain_text("Patientovergange og kommunikation")
    page.select_option("#year", "2026")
    page.click("form.filters button")
    expect(page).to_have_url(f"{server}/stats?year=2026")
    expect(page.locator("#table-month tbody tr")).to_have_count(12)
