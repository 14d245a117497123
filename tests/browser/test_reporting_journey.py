"""Reporting in a real browser: a nurse fixes a form error and reports, the receiving risk manager
finds the case by search; a relative reports without an account and looks up its status."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.workflow_region import make_region


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
    return live_url


def test_nurse_reports_a_discharge_event_and_the_kommune_finds_it_by_search(server, browser):
    page = browser.new_context().new_page()
    sign_in(page, server, "nurse@h.dk")
    page.click("nav >> text=Indberet hændelse")
    page.fill("#occurred_at", "2026-11-20T14:30")
    page.fill("#event_org", "K-HJ — Hjemmeplejen")  # as picked from the list while typing
    page.click("summary:has-text('Sektorovergang')")  # an optional section the reporter opens
    page.select_option("#transition_type", "udskrivelse")
    page.fill("#transition_from_org", "H-MED — Medicinsk afdeling")
    page.fill("#transition_to_org", "K-HJ — Hjemmeplejen")
    page.fill("#title", "Medicinliste ikke afstemt ved hjemkomst")
    page.fill("#description", "For kort")
    page.check("input[name=actual_consequence][value=minor]")
    page.check("input[name=possible_consequence][value=serious_or_fatal]")
    page.click("button:has-text('Indsend')")

    expect(page.locator(".error-summary")).to_contain_text("Ret venligst fejlene")
    expect(page.locator("body")).to_contain_text("Skal være mindst 20 tegn")
    expect(page.locator("#title")).to_have_value("Medicinliste ikke afstemt ved hjemkomst")  # nothing typed is lost
    page.fill("#description", "Hjemmeplejen fandt Marevan i dosisæsken, selvom det var seponeret under indlæggelsen.")
    page.click("button:has-text('Indsend')")

    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"UTH-2026-\d{6}", reference)
    expect(page.locator(".receipt-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$"))

    kommune = browser.new_context().new_page()
    sign_in(kommune, server, "rm@k.dk")
    kommune.goto(f"{server}/cases")
    expect(kommune.locator("tr", has_text=reference)).to_contain_text("Ny")
    kommune.click("nav >> text=Søg")
    kommune.fill("input[name=q]", "marevan")
    kommune.fill("input[name=org]", "K-HJ")
    kommune.click("button:has-text('Søg')")
    expect(kommune.locator(".result-count")).to_have_text("1 resultat")
    expect(kommune.locator("mark").first).to_have_text("Marevan")
    kommune.click(f"text={reference}")
    expect(kommune.locator("h1")).to_have_text("Medicinliste ikke afstemt ved hjemkomst")
    expect(kommune.locator("body")).to_contain_text("Sygeplejerske Hanne")  # the handling organisation sees the reporter


def test_a_relative_reports_without_an_account_and_follows_the_status(server, browser):
    page = browser.new_context().new_page()
    page.goto(f"{server}/public/report")
    expect(page.locator("nav .who")).to_have_count(0)
    page.fill("#occurred_at", "2026-11-21T08:00")
    page.fill("#event_org", "Hjemmeplejen")  # the place by its name, no code
    page.fill("#title", "Min mor fik ikke sin medicin")
    page.fill("#description", "Hjemmeplejen kom ikke søndag morgen, og min mor fik derfor ikke sin morgenmedicin.")
    page.check("input[name=actual_consequence][value=none]")
    page.check("input[name=possible_consequence][value=minor]")
    page.click("summary:has-text('Dine kontaktoplysninger')")
    page.check("input[name=reporter_profession][value=pårørende]")
    page.click("button:has-text('Indsend')")

    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    reference = page.locator(".reference").inner_text()
    code = page.locator(".receipt-code").inner_text()
    page.click("button:has-text('Se status')")
    expect(page.locator(".facts")).to_contain_text(reference)
    expect(page.locator(".status-text")).to_contain_text("Ny")

    page.goto(f"{server}/public/status")
    page.fill("#code", code.lower().replace("-", " "))  # read aloud on the phone: case and dashes do not matter
    page.click("button:has-text('Se status')")
    expect(page.locator(".facts")).to_contain_text(reference)
