"""An admin adds a rule for the pharmacy cases nobody receives and routes them (SPEC §24); the morning
queue on a phone: cards, no sideways scroll, tap targets of at least 44 px."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sideways_scroll, sign_in
from tests.factories import make_case, make_org, make_user


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_org("H", "hospital", name="Hospitalet")
        make_org("APO", "apotek", name="Løve Apotek")
        make_org("K", "kommune", name="Kommunen")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K", name="Karen Kommunal")
        make_user("admin@x.dk", "admin")
        pharmacy = [make_case(event_org="APO", event_type="medicinering.dispensering.forkert_dosis",
                              title=f"Forkert dosis i dosisdispensering {n}")[0].reference for n in range(3)]
        hospital = [make_case(event_org="H", title=f"Epikrise ikke modtaget {n}")[0].reference for n in range(6)]
    return live_url, pharmacy, hospital


def test_an_admin_adds_a_rule_and_routes_the_unrouted_cases(server, browser):
    base, pharmacy, _ = server
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, base, "admin@x.dk")
    page.goto(f"{base}/admin/routing")
    expect(page.locator("#unrouted h2")).to_contain_text("Ikke-routede sager (3)")
    page.fill("#name", "Apotekernes medicinsager")
    page.select_option("#sector", "apotek")
    page.fill("#event_type_prefix", "medicin")
    page.fill("#target_org", "K — Kommunen")
    page.click("button[name=preview]")
    expect(page.locator("#event_type_prefix-error")).to_contain_text("Ingen hændelsestype begynder med dette")
    expect(page.locator("#name")).to_have_value("Apotekernes medicinsager")  # what was typed is kept
    page.fill("#event_type_prefix", "medicinering")
    page.click("button[name=preview]")
    expect(page.locator("#preview")).to_contain_text("Reglen router 3 åben(e) ikke-routet(e) sag(er)")
    expect(page.locator("#preview")).to_contain_text(pharmacy[0])
    page.click("button.primary:has-text('Tilføj regel')")
    expect(page.locator("#offer")).to_contain_text("Route 3 sag(er) nu")
    page.click("#offer button")
    expect(page.locator(".flash")).to_contain_text("3 sag(er) routet")
    expect(page.locator("#unrouted h2")).to_contain_text("Ikke-routede sager (0)")

    kommune = browser.new_context().new_page()
    sign_in(kommune, base, "rm@k.dk")
    kommune.goto(f"{base}/cases")
    for ref in pharmacy:
        expect(kommune.locator("table.queue")).to_contain_text(ref)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_queue_on_a_phone_is_cards_without_sideways_scroll(server, browser, lang):
    base, _, hospital = server
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases?lang={lang}")
    expect(page.locator("table.queue tbody tr")).to_have_count(6)
    assert sideways_scroll(page) == 0
    assert page.locator("table.queue thead").bounding_box()["height"] <= 1  # no table header: cards
    row = page.locator("table.queue tbody tr").first.bounding_box()
    assert row["width"] <= 390 and row["x"] >= 0
    for selector in ("td.pick label", "td.ref a", ".counter", ".bulk-bar button"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, selector
    # Tick two cards and acknowledge them in one go.
    page.locator("td.pick label").nth(0).click()
    page.locator("td.pick label").nth(1).click()
    page.click(".bulk-bar button")
    expect(page.locator(".flash").first).to_contain_text("2")
    assert sideways_scroll(page) == 0


def test_select_all_then_assign_the_ticked_cases(server, browser, app):
    base, _, hospital = server
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases")
    page.check("#select-all")
    assert page.locator("table.queue input[name=case]:checked").count() == 6
    page.locator("table.queue input[name=case]").first.uncheck()
    assert page.evaluate("document.getElementById('select-all').indeterminate")
    page.check("input[name=bulk_action][value=assign]")
    page.click(".bulk-bar button")
    expect(page.locator(".flash").first).to_contain_text("Sagsbehandler tildelt: 5 sag(er).")
    page.goto(f"{base}/cases?assignee=none")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
