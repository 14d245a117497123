"""A risk manager handles a case in a real browser; the kommune's risk manager answers a statement request."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.workflow_region import hospital_case, make_region


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
        ref = hospital_case(event_type="medicinering")
    return live_url, ref


def test_acknowledge_assign_request_answer_close(server, browser):
    base, ref = server
    page = browser.new_context().new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases/{ref}")
    page.click("#action-acknowledge button")
    expect(page.locator(".flash")).to_contain_text("Udført: Kvitteret for modtagelse")
    expect(page.locator(".meta")).to_contain_text("Kvitteret")

    page.click("#action-assign summary")
    page.select_option("#assign-assignee", "rm2@h.dk")
    page.click("#action-assign button")
    expect(page.locator(".meta")).to_contain_text("Under behandling")
    expect(page.locator(".facts").first).to_contain_text("Risikomanager Holger")

    page.click("#action-request_statement summary")
    page.select_option("#request_statement-org", "K-HJ")
    page.fill("#request_statement-question", "Hvornår modtog hjemmeplejen epikrisen?")
    page.click("#action-request_statement button")
    expect(page.locator(".meta")).to_contain_text("Afventer udtalelse")
    expect(page.locator(".history")).to_contain_text("Udtalelse anmodet (Hjemmeplejen)")
    page.click("#action-close a")  # the close page says what is missing: the statement
    expect(page.locator("#blockers-state")).to_contain_text("Udtalelsen fra Hjemmeplejen mangler")
    page.go_back()

    kommune = browser.new_context().new_page()
    sign_in(kommune, base, "rm@k.dk")
    kommune.goto(f"{base}/cases")
    row = kommune.locator("tr", has_text=ref)
    expect(row).to_contain_text("Udtalelse ønsket")
    row.locator("a").first.click()
    expect(kommune.locator(".notice")).to_contain_text("Begrænset visning")
    expect(kommune.locator("body")).not_to_contain_text("Jens Hansen")
    kommune.fill("#respond-text", "Epikrisen kom først tre dage efter udskrivelsen.")
    kommune.click("text=Afgiv udtalelse")
    expect(kommune.locator(".flash")).to_contain_text("Udført: Udtalelse afgivet")
    expect(kommune.locator(".statement")).to_contain_text("Epikrisen kom først tre dage efter udskrivelsen.")

    page.reload()
    expect(page.locator(".meta")).to_contain_text("Under behandling")
    expect(page.locator(".statement")).to_contain_text("Epikrisen kom først tre dage efter udskrivelsen.")
    page.click("#action-close a")
    page.fill("#close-conclusion", "Epikrisen blev sendt for sent fra afdelingen.")
    page.fill("#close-learning", "Send epikrisen elektronisk samme dag som udskrivelsen.")
    page.click("#close-submit")
    expect(page.locator(".meta")).to_contain_text("Afsluttet")
    expect(page.locator(".outcome")).to_contain_text("Send epikrisen elektronisk samme dag som udskrivelsen.")
    expect(page.locator(".history")).to_contain_text("Afsluttet")
    expect(page.locator("#action-reopen")).to_have_count(1)


def test_the_classify_form_shows_the_reason_only_when_the_severity_is_lowered(server, browser):
    base, ref = server  # reported as none / serious_or_fatal: serious risk
    page = browser.new_context().new_page()
    sign_in(page, base, "rm@h.dk")
    page.goto(f"{base}/cases/{ref}")
    page.click("#action-classify summary")
    expect(page.locator("#classify-reason")).to_be_hidden()
    page.select_option("#classify-actual_consequence", "serious")
    expect(page.locator("#classify-reason")).to_be_hidden()
    page.select_option("#classify-actual_consequence", "none")
    page.select_option("#classify-possible_consequence", "minor")
    expect(page.locator("#classify-reason")).to_be_visible()
    page.fill("#classify-reason", "Gennemgang viste at ingen skade var mulig")
    page.click("#action-classify button")
    expect(page.locator(".history")).to_contain_text("Begrundelse: Gennemgang viste at ingen skade var mulig")
