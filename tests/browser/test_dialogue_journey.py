"""The dialogue with the reporter in a real browser (SPEC §19): a relative reports on the public form
on a phone, the risk manager asks a question on the case page, the relative answers it by receipt
code, and the risk manager sees the answer; a nurse answers in *Mine indberetninger*; the reporter's
pages fit a 390 px phone."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sideways_scroll, sign_in
from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.clock import utcnow
from uth.extensions import db
from uth.handling.actions import perform

PHONE = {"width": 390, "height": 844}
QUESTION = "Hvilket klokkeslæt kom hjemmeplejen om mandagen?"
ANSWER = "Først ved middagstid, og de vidste ikke, at medicinen var ændret."


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
    return live_url


def fits_the_phone(page) -> None:
    """No sideways scroll; every link, button and text box on the page is at least 44 px high."""
    assert sideways_scroll(page) == 0
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.report-view a, .report-view button, .report-view textarea, .status-form input, .status-form button, a.back-link')]
        .filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height).filter(h => h < 44)""")
    assert small == []


def test_a_relative_answers_the_risk_managers_question_by_receipt_code(server, browser):
    relative = browser.new_context(viewport=PHONE).new_page()
    relative.goto(f"{server}/public/report")
    relative.fill("#occurred_at", "2026-11-21T08:00")
    relative.fill("#event_org", "Hjemmeplejen")
    relative.fill("#title", "Min far fik den gamle medicin")
    relative.fill("#description", "Efter udskrivelsen fik min far stadig den gamle dosis, fordi listen ikke var rettet.")
    relative.check("input[name=actual_consequence][value=none]")
    relative.check("input[name=possible_consequence][value=minor]")
    relative.click("button:has-text('Indsend')")
    expect(relative.locator("h1")).to_have_text("Tak for din indberetning")
    reference = relative.locator(".reference").inner_text()
    code = relative.locator(".receipt-code").inner_text()

    manager = browser.new_context().new_page()
    sign_in(manager, server, "rm@k.dk")  # the kommune handles what happened in its home care
    manager.goto(f"{server}/cases/{reference}")
    manager.fill("#message_reporter-text", QUESTION)
    manager.click("button:has-text('Send til indberetter')")
    expect(manager.locator("#dialogue")).to_contain_text(QUESTION)

    relative.goto(f"{server}/public/status")
    fits_the_phone(relative)
    relative.fill("#code", code)
    relative.click("button:has-text('Se status')")
    expect(relative.locator(".report-title")).to_have_text("Min far fik den gamle medicin")
    expect(relative.locator(".report-view")).to_contain_text("Testkommune")  # who handles it
    expect(relative.locator(".report-view")).to_contain_text("Forventet svar senest")
    expect(relative.locator("#dialogue")).to_contain_text(QUESTION)
    fits_the_phone(relative)
    relative.fill("#reply-text", ANSWER)
    relative.click("button:has-text('Send svar')")
    expect(relative.locator("#dialogue [role=status]")).to_contain_text("Din besked er sendt")
    expect(relative.locator(".msg-reporter")).to_contain_text(ANSWER)
    fits_the_phone(relative)

    manager.reload()
    expect(manager.locator("#dialogue .msg-reporter")).to_contain_text(ANSWER)
    expect(manager.locator(".history")).to_contain_text("Besked fra indberetter")


def test_a_nurse_answers_in_mine_indberetninger_on_a_phone(app, server, browser):
    with app.app_context():
        ref = hospital_case()
        perform(user("rm_h"), case_by_ref(ref), "message_reporter", {"text": QUESTION}, now=utcnow())
        db.session.commit()
    nurse = browser.new_context(viewport=PHONE).new_page()
    sign_in(nurse, server, "nurse@h.dk")
    nurse.goto(f"{server}/reports/mine?lang=en")
    expect(nurse.locator("a.report-card")).to_contain_text("Question for you")
    fits_the_phone(nurse)
    nurse.click("a.report-card")
    expect(nurse.locator(".report-view")).to_contain_text("Receipt code")
    expect(nurse.locator("#dialogue")).to_contain_text(QUESTION)
    fits_the_phone(nurse)
    nurse.fill("#reply-text", ANSWER)
    nurse.click("button:has-text('Send answer')")
    expect(nurse.locator("#dialogue [role=status]")).to_contain_text("Your message has been sent")
    expect(nurse.locator(".msg-reporter")).to_contain_text(ANSWER)
    fits_the_phone(nurse)


def test_an_answer_refused_by_the_rate_limit_is_there_again_until_it_is_sent(app, server, browser):
    """Too many sendings from this connection: the relative's typed answer is kept in the tab and
    found again in the reply box after looking the code up again; once sent, the box is empty."""
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "1 per hour"  # the report is the one sending of the hour
    relative = browser.new_context(viewport=PHONE).new_page()
    relative.goto(f"{server}/public/report")
    relative.fill("#event_org", "Hjemmeplejen")
    relative.fill("#title", "Min far fik den gamle medicin")
    relative.fill("#description", "Efter udskrivelsen fik min far stadig den gamle dosis.")
    relative.check("input[name=actual_consequence][value=none]")
    relative.check("input[name=possible_consequence][value=minor]")
    relative.click("button:has-text('Indsend')")
    code = relative.locator(".receipt-code").inner_text()

    def look_up():
        relative.goto(f"{server}/public/status")
        relative.fill("#code", code)
        relative.click("button:has-text('Se status')")

    look_up()
    relative.fill("#reply-text", ANSWER)
    relative.click("#reply-send")
    expect(relative.locator("h1")).to_have_text("For mange forsøg. Prøv igen senere.")
    relative.click("text=Tilbage til formularen")
    relative.fill("#code", code)
    relative.click("button:has-text('Se status')")
    expect(relative.locator("#reply-text")).to_have_value(ANSWER)

    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "100 per hour"
    relative.click("#reply-send")
    expect(relative.locator("#dialogue [role=status]")).to_contain_text("Din besked er sendt")
    expect(relative.locator(".msg-reporter")).to_contain_text(ANSWER)
    look_up()
    expect(relative.locator(".msg-reporter")).to_contain_text(ANSWER)
    expect(relative.locator("#reply-text")).to_have_value("")  # sent: the draft has ended
