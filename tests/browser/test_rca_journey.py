"""A risk manager builds an RCA² of a serious case in a real browser, up to approval and the printed report."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.rca_fixtures import make_rca_region


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        region = make_rca_region()
    return live_url, region.serious


def add(page, part, fields: dict, selects: dict | None = None, check: str | None = None):
    """Open a part's form, fill it and submit it."""
    page.click(f"#{part} details.add summary")
    for name, value in fields.items():
        page.fill(f"#{part}-{name}", value)
    for name, value in (selects or {}).items():
        page.select_option(f"#{part}-{name}", value)
    if check:
        page.check(f"#{part}-{check}")
    page.click(f"#{part} details.add form button[type=submit]")


def test_build_an_rca2_to_approval_and_print_it(server, browser):
    base, reference = server
    page = browser.new_context().new_page()
    sign_in(page, base, "rm@h.dk")

    page.goto(f"{base}/cases")
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text("Bør analyseres")
    row.locator("a").first.click()
    expect(page.locator("#analysis-box")).to_contain_text("Denne hændelse bør analyseres")
    page.select_option("#analysis-method", "rca2")
    page.click("#analysis-box button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Insulin ikke givet efter udskrivelse")
    expect(page.locator("#analysis-status")).to_have_text("Kladde")

    add(page, "team", {"name": "Hanne Holm", "role": "Sygeplejerske"}, check="involved")
    expect(page.locator("#team .warnings")).to_contain_text("RCA² anbefaler mindst 4 medlemmer")
    add(page, "team", {"name": "Pia Patient", "role": "Patientrepræsentant"})
    expect(page.locator("#team table")).to_contain_text("Pia Patient")

    add(page, "timeline", {"at": "2026-11-20T18:00", "text": "Patienten udskrives uden insulinordination i epikrisen"})
    add(page, "timeline", {"at": "2026-11-20T08:30", "text": "Stuegang: insulin justeres"})
    steps = page.locator("ol.timeline li")
    expect(steps).to_have_count(2)
    expect(steps.first).to_contain_text("Stuegang")
    add(page, "timeline", {"time_text": "Om aftenen", "text": "Fejlindtastning"})
    expect(steps).to_have_count(3)
    steps.filter(has_text="Fejlindtastning").get_by_role("button", name="Fjern punkt fra tidslinjen").click()
    expect(page.locator(".flash")).to_have_text("Punktet er fjernet fra analysen.")
    expect(steps).to_have_count(2)

    add(page, "causal_statements", {"cause": "Dårlig kommunikation mellem afdelingerne",
                                    "effect": "hjemmeplejen kendte ikke insulindosis",
                                    "event": "patienten fik ikke insulin om aftenen"})
    expect(page.locator("#causal_statements .warnings")).to_contain_text('Undgå negative eller vage beskrivelser som "Dårlig"')

    add(page, "contributing_factors", {"note": "Epikrisen manglede ordinationen"}, selects={"code": "kommunikation.skriftlig"})
    expect(page.locator("#contributing_factors")).to_contain_text("Skriftlig overlevering og dokumentation")

    page.click("#action_items details.add summary")
    expect(page.locator("#action_items .hierarchy")).to_contain_text("Stærkere")
    page.fill("#action_items-text", "Epikrisen sendes automatisk ved udskrivelse")
    page.select_option("#action_items-strength", "stronger")
    page.fill("#action_items-responsible", "Afdelingsledelsen")
    page.fill("#action_items-due_on", "2027-02-01")
    page.fill("#action_items-process_measure", "Andel epikriser sendt samme dag")
    page.click("#action_items details.add form button[type=submit]")
    expect(page.locator("#action_items table")).to_contain_text("01-02-2027")

    page.click("text=Send til review")
    expect(page.locator("#analysis-status")).to_have_text("Til review")
    page.click("text=Godkend analysen")
    expect(page.locator("#analysis-status")).to_have_text("Godkendt")
    expect(page.locator("#team details.add")).to_have_count(0)

    page.click("text=Rapport til udskrift")
    expect(page.locator("h1")).to_contain_text("Analyserapport")
    expect(page.locator("#report-status")).to_have_text("Godkendt")
    expect(page.locator(".report")).to_contain_text("Epikrisen sendes automatisk ved udskrivelse")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
