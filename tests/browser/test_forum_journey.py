"""A forum member signs in, searches learning summaries and opens the statistics page with its charts."""
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services
from tests.conftest import CHROMIUM, FIXED_NOW
from tests.factories import PASSWORD
from tests.learning_region import closed_case, make_learning_region

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _publish(title: str, visibility: str, **case_fields) -> None:
    rm = find_user("rm@h.dk")
    summary = services.create_summary_from_case(rm, closed_case(**case_fields), now=FIXED_NOW)
    services.update_summary(rm, summary, {"title": title, "visibility": visibility}, now=FIXED_NOW)
    services.publish_summary(rm, summary, now=FIXED_NOW)


@pytest.fixture
def server(app):
    with app.app_context():
        make_learning_region()
        _publish("Epikrise forsinket ved udskrivelse", "cluster")
        _publish("Fald efter hjemkomst", "national", event_type="fald.med_skade")
        for _ in range(6):
            closed_case()
        db.session.commit()
    app.config["WTF_CSRF_SSL_STRICT"] = False
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def test_forum_member_searches_learning_and_reads_the_statistics(server, browser):
    page = browser.new_context().new_page()
    page.goto(f"{server}/login")
    page.fill("#email", "forum1@kl1.dk")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("nav .who")).to_be_visible()

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
    expect(page.locator("#chart-month svg circle")).to_have_count(1)
    expect(page.locator("#table-month")).to_contain_text("2026-11")
    expect(page.locator("#table-event_type")).to_contain_text("< 5")
    expect(page.locator("#table-event_type")).to_contain_text("Patientovergange og kommunikation")
