"""The two-minute report in a real browser (SPEC §18): a nurse reports the minimal event on a phone; a
half-filled report survives a reload and an expired session; a public draft does not outlive sending."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import sideways_scroll, sign_in
from tests.factories import PASSWORD
from tests.workflow_region import make_region
from uth.extensions import db
from uth.reports.models import Case

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
    return live_url


def test_a_nurse_reports_the_minimal_event_on_a_phone(server, browser):
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, server, "nurse@h.dk")
    page.goto(f"{server}/reports/new")
    assert sideways_scroll(page) == 0
    expect(page.locator("#event_org")).to_have_value("H-MED — Medicinsk afdeling")  # where: her own unit
    page.click("#occurred_at_now")  # "Nu" is there with JavaScript
    page.fill("#title", "Forkert dosis givet")
    page.fill("#description", "For kort")
    page.check("input[name=actual_consequence][value=none]")
    page.click("button:has-text('Indsend')")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Hvad skete der? – Skal være mindst 20 tegn (nu 8)")
    expect(summary).to_contain_text("Hvad kunne det have ført til?")
    assert sideways_scroll(page) == 0
    page.fill("#description", "Patienten fik 10 mg i stedet for 5 mg.")
    page.check("input[name=possible_consequence][value=minor]")
    page.click("button:has-text('Indsend')")

    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    code = page.locator(".receipt-code").inner_text()
    assert sideways_scroll(page) == 0
    page.reload()
    expect(page.locator(".receipt-code")).to_have_text(code)  # a reload shows the receipt again


def test_the_possible_consequence_is_asked_only_when_needed(server, browser):
    page = browser.new_context().new_page()
    sign_in(page, server, "nurse@h.dk")
    page.goto(f"{server}/reports/new")
    possible = page.locator("#possible-block")
    expect(possible).to_be_visible()
    page.check("input[name=actual_consequence][value=serious]")
    expect(possible).to_be_hidden()
    page.check("input[name=actual_consequence][value=minor]")
    expect(possible).to_be_visible()
    page.select_option("#event_type", "medicinering.administration.ikke_givet")
    expect(page.locator("#details-medication")).to_have_attribute("open", "")  # offered by the event type


def test_a_half_filled_report_survives_a_reload_and_an_expired_session(server, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, server, "nurse@h.dk")
    page.goto(f"{server}/reports/new")
    page.fill("#title", "Patient faldt på badeværelset")
    page.fill("#description", "Patienten faldt om natten på vej til toilettet uden at kalde.")
    page.check("input[name=actual_consequence][value=minor]")
    page.click("summary:has-text('Patienten')")
    page.fill("#patient_cpr", "010190-1234")

    page.reload()
    expect(page.locator("#title")).to_have_value("Patient faldt på badeværelset")
    expect(page.locator("#description")).to_have_value("Patienten faldt om natten på vej til toilettet uden at kalde.")
    expect(page.locator("input[name=actual_consequence][value=minor]")).to_be_checked()
    expect(page.locator("#details-patient")).to_have_attribute("open", "")
    expect(page.locator("#patient_cpr")).to_have_value("010190-1234")
    expect(page.locator(".draft-status")).to_contain_text("Vi har hentet det, du skrev sidst")

    context.clear_cookies()  # the session has expired
    page.check("input[name=possible_consequence][value=serious_or_fatal]")
    page.click("button:has-text('Indsend')")
    expect(page.locator("h1")).to_have_text("Log ind igen for at sende din indberetning")
    page.fill("#email", "nurse@h.dk")
    page.fill("#password", PASSWORD)
    page.click("main button:has-text('Log ind')")
    expect(page.locator("h1")).to_have_text("Du er logget ind igen")
    page.click("button:has-text('Send indberetningen')")

    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    assert re.fullmatch(r"UTH-2026-\d{6}", page.locator(".reference").inner_text())
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('uth-draft:'))") == []
    page.goto(f"{server}/reports/new")
    expect(page.locator("#title")).to_have_value("")  # the sent report is not offered again


def test_a_public_draft_is_kept_while_typing_and_gone_once_sent(server, browser):
    page = browser.new_context().new_page()
    page.goto(f"{server}/public/report")
    page.fill("#event_org", "Hjemmeplejen")
    page.fill("#title", "Min mor fik ikke sin medicin")
    page.fill("#description", "Hjemmeplejen kom ikke søndag morgen med medicinen.")
    assert "Min mor fik" in page.evaluate("sessionStorage.getItem('uth-draft:public')")  # this tab only
    assert page.evaluate("localStorage.getItem('uth-draft:public')") is None
    page.reload()
    expect(page.locator("#title")).to_have_value("Min mor fik ikke sin medicin")  # a reload keeps it
    page.check("input[name=actual_consequence][value=none]")
    page.check("input[name=possible_consequence][value=minor]")
    page.click("button:has-text('Indsend')")
    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    assert page.evaluate("sessionStorage.getItem('uth-draft:public')") is None
    page.goto(f"{server}/public/report")
    expect(page.locator("#title")).to_have_value("")


def test_a_place_the_form_could_not_place_is_picked_from_the_error(server, browser, app):
    """A relative types part of the name; the error offers the place as a button that fills it in."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{server}/public/report")
    page.fill("#event_org", "hjemmepl")
    page.fill("#title", "Min mor fik ikke sin medicin")
    page.fill("#description", "Hjemmeplejen kom ikke søndag morgen med medicinen.")
    page.check("input[name=actual_consequence][value=none]")
    page.check("input[name=possible_consequence][value=minor]")
    page.click("button:has-text('Indsend')")
    # the buttons list the candidates, so the error names them no more (without script it does)
    expect(page.locator("#event_org-error")).to_have_text("hjemmepl passer ikke på ét sted. Vælg et af disse:")
    pick = page.locator("#event_org-picks button.pick")
    expect(pick).to_have_text(["Hjemmeplejen, Testkommune"])
    assert sideways_scroll(page) == 0
    pick.click()
    expect(page.locator("#event_org")).to_have_value("Hjemmeplejen, Testkommune")
    expect(page.locator("#event_org")).to_be_focused()
    expect(page.locator("#event_org-error")).to_be_hidden()  # picked: the error no longer applies
    expect(pick).to_be_hidden()  # and its buttons go (the list's display:flex kept them on the page)
    page.click("button:has-text('Indsend')")
    expect(page.locator("h1")).to_have_text("Tak for din indberetning")
    with app.app_context():
        assert [case.event_org.code for case in db.session.scalars(select(Case))] == ["K-HJ"]


def test_a_relative_refused_by_the_rate_limit_goes_back_to_what_they_typed(app, server, browser):
    """Sending is refused (too many from this connection): the page says so in Danish, not the
    limiter's English, and leads back to the form, where the report is still there."""
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "1 per hour"
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{server}/public/report")
    page.fill("#event_org", "Hjemmeplejen")
    page.fill("#title", "Min far fik ikke sin insulin")
    page.fill("#description", "Hjemmeplejen kom ikke lørdag aften med insulinen.")
    page.click("button:has-text('Indsend')")  # the one sending of the hour: the consequence is missing
    page.check("input[name=actual_consequence][value=none]")
    page.check("input[name=possible_consequence][value=minor]")
    page.click("button:has-text('Indsend')")
    expect(page.locator("h1")).to_have_text("For mange forsøg. Prøv igen senere.")
    expect(page.locator("main")).not_to_contain_text("per 1 hour")
    page.click("text=Tilbage til formularen")
    expect(page.locator("#title")).to_have_value("Min far fik ikke sin insulin")
    expect(page.locator("#description")).to_have_value("Hjemmeplejen kom ikke lørdag aften med insulinen.")
    assert page.is_checked("input[name=actual_consequence][value=none]")
