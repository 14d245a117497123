"""Issue 12 journeys: a risk manager takes a case from new to closed through a personal-data refusal
without retyping anything (screenshots to /tmp/shots-rmA when UTH_SHOTS is set)."""
import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sideways_scroll, sign_in
from tests.workflow_region import hospital_case, make_region

SHOTS = os.environ.get("UTH_SHOTS")
CONCLUSION = "Epikrisen blev sendt for sent fra afdelingen."
LEARNING = "Send epikrisen elektronisk samme dag som udskrivelsen."
FEEDBACK = "Tak for din indberetning. Vi sender nu epikrisen samme dag."


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
        ref = hospital_case(description="Jens Hansen blev udskrevet, men egen læge modtog ikke epikrisen før kontrollen.")
    return live_url, ref


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("viewport,lang", [((1366, 768), "da"), ((390, 844), "en")])
def test_new_to_closed_through_a_personal_data_refusal_without_retyping(server, browser, viewport, lang):
    base, ref = server
    page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases/{ref}?lang={lang}")
    clicks = 0

    def click(selector):
        nonlocal clicks
        clicks += 1
        page.click(selector)

    expect(page.locator("#next-step")).to_be_visible()
    _shot(page, f"case-new-{lang}-{viewport[0]}")
    click("#assign-me button")  # acknowledges and assigns in one click
    expect(page.locator("#action-classify")).to_have_attribute("open", "")  # next: classify, opened
    _shot(page, f"case-assigned-{lang}-{viewport[0]}")
    click("#action-close a")
    _shot(page, f"close-empty-{lang}-{viewport[0]}")
    page.select_option("#close-event_type", "medicinering")
    page.fill("#close-conclusion", CONCLUSION)
    page.fill("#close-learning", LEARNING)
    page.fill("#close-feedback", FEEDBACK)
    click("#close-submit")
    expect(page.locator("#blockers")).to_be_visible()
    _shot(page, f"close-refused-{lang}-{viewport[0]}")
    expect(page.locator("#close-conclusion")).to_have_value(CONCLUSION)
    expect(page.locator("#close-feedback")).to_have_value(FEEDBACK)
    click("#blockers button[name=replace]")
    expect(page.locator("#close-text-description")).to_have_value(
        "[NAVN] blev udskrevet, men egen læge modtog ikke epikrisen før kontrollen.")
    expect(page.locator("#close-learning")).to_have_value(LEARNING)
    expect(page.locator("#close-event_type")).to_have_value("medicinering")
    expect(page.locator("#blockers")).to_have_count(0)  # the event type chosen on the form is no blocker
    _shot(page, f"close-replaced-{lang}-{viewport[0]}")
    click("#close-submit")
    expect(page.locator(".outcome")).to_contain_text(FEEDBACK)
    expect(page.locator(".outcome")).to_contain_text(LEARNING)
    _shot(page, f"close-closed-{lang}-{viewport[0]}")
    assert sideways_scroll(page) == 0
    assert clicks == 5  # + 1 select and 3 text boxes; before: 10 clicks + 3 text boxes, then ~5 and retyping
    print(f"clicks from new to closed through a refusal: {clicks} (+1 select, 3 text boxes)")


@pytest.fixture
def overdue_statement(app, live_url):
    from datetime import date

    from tests.conftest import FIXED_NOW
    from tests.workflow_region import case_by_ref, user
    from uth.extensions import db
    from uth.handling.actions import perform
    with app.app_context():
        make_region()
        ref = hospital_case(event_type="medicinering")
        case = case_by_ref(ref)
        perform(user("rm_h"), case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
        perform(user("rm_h"), case, "request_statement", {"org": "K-HJ", "question": "Hvornår kom epikrisen?"}, now=FIXED_NOW)
        case.statements[0].respond_by = date(2026, 11, 10)  # overdue on the pinned clock (23 November)
        db.session.commit()
    return live_url, ref


@pytest.mark.parametrize("viewport,lang", [((1366, 768), "en"), ((390, 844), "da")])
def test_withdraw_an_overdue_statement_and_close(overdue_statement, browser, viewport, lang):
    base, ref = overdue_statement
    page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases/{ref}?lang={lang}")
    expect(page.locator(".statement .overdue-mark")).to_be_visible()
    page.click("#action-close a")
    expect(page.locator("#blockers-state")).to_contain_text("Hjemmeplejen")
    _shot(page, f"statement-blocker-{lang}-{viewport[0]}")
    page.click("#blockers-state button[id^=remind-]")
    expect(page.locator(".flash")).to_be_visible()
    page.click("#blockers-state details summary")
    page.fill("#blockers-state textarea[name=comment]", "Hjemmeplejen svarede i telefonen; svaret står i noten.")
    _shot(page, f"statement-withdraw-{lang}-{viewport[0]}")
    page.click("#blockers-state details button")
    expect(page.locator("#blockers-state")).to_have_count(0)  # back on the close page, nothing awaited
    page.fill("#close-conclusion", CONCLUSION)
    page.fill("#close-learning", LEARNING)
    page.click("#close-submit")
    expect(page.locator(".outcome")).to_contain_text(LEARNING)
    expect(page.locator(".history")).to_contain_text("Hjemmeplejen svarede i telefonen")
    _shot(page, f"statement-closed-{lang}-{viewport[0]}")
    assert sideways_scroll(page) == 0
