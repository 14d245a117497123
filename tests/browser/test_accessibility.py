"""axe-core (shipped inside axe-playwright-python, nothing downloaded) finds no violation of impact
serious or critical on the reporter pages, the queue and the case page, on a desk and on a phone
(SPEC §18); and every reporter page fits a 390 px phone with tap targets of at least 44 px."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sideways_scroll, sign_in
from tests.workflow_region import hospital_case, make_region

AXE = Axe()
SIZES = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# Controls smaller than 44 x 44 px; a radio or checkbox counts by its label, a link inside running text is exempt.
SMALL_TARGETS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    if (!el.checkVisibility() || el.type === 'hidden') continue;
    if (el.tagName === 'A' && el.closest('p, li, td, dd, dt') && !el.closest('nav')) continue;
    const target = (el.type === 'radio' || el.type === 'checkbox') ? (el.closest('label') || el) : el;
    const box = target.getBoundingClientRect();
    if (box.height < 44 || box.width < 44) out.push(`${el.tagName} ${el.name || el.textContent.trim().slice(0, 30)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return out;
}"""


@pytest.fixture
def server(app, live_url):
    with app.app_context():
        make_region()
        ref = hospital_case(event_type="medicinering")
    return live_url, ref


def serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def check(page, url: str, found: dict, *, reporter_page: bool, action=None) -> None:
    page.goto(url)
    if action:
        action(page)
    inspect(page, f"{url.split('//', 1)[1].split('/', 1)[1]}{' + ' + action.__name__ if action else ''}", found,
            reporter_page=reporter_page)


def inspect(page, name: str, found: dict, *, reporter_page: bool) -> None:
    if problems := serious(page):
        found[name] = problems
    if reporter_page and page.viewport_size["width"] == 390:
        if wider := sideways_scroll(page):
            found[name + " sideways"] = wider
        if small := page.evaluate(SMALL_TARGETS):
            found[name + " small targets"] = small
        if (menu := page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")) > 0.08 * 844:
            found[name + " menu height"] = menu  # a compact menu: under 8 % of the first screen


def send_empty(page):
    navigate_by_click(page, "main form[method=post] button[type=submit]")


def navigate_by_click(page, selector: str) -> None:
    """Click something that loads a new page and wait for that page: axe run while the old document
    is being replaced finds no document at all."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)


def open_menu(page):
    if page.viewport_size["width"] < 700:
        page.click("header .phone-nav summary")


def open_every_section(page):
    for summary in page.locator("form#report-form details > summary").all():
        summary.click()


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_violation_and_phone_sized_reporter_pages(server, browser, size):
    base, ref = server
    found: dict = {}
    public = browser.new_context(viewport=SIZES[size]).new_page()
    for path, action in (("/public/report", None), ("/public/report", open_every_section), ("/public/report", send_empty),
                         ("/public/status", None), ("/login", None)):
        check(public, base + path, found, reporter_page=True, action=action)
    public.goto(base + "/public/report")
    public.fill("#event_org", "Hjemmeplejen")
    public.fill("#title", "Min mor fik ikke sin medicin")
    public.fill("#description", "Hjemmeplejen kom ikke søndag morgen med medicinen.")
    public.check("input[name=actual_consequence][value=none]")
    public.check("input[name=possible_consequence][value=minor]")
    send_empty(public)
    check(public, base + "/reports/receipt", found, reporter_page=True)
    public.goto(base + "/reports/receipt")
    navigate_by_click(public, "button:has-text('Se status')")  # the status page of that report, by its receipt code
    inspect(public, "public/status with a report", found, reporter_page=True)

    nurse = browser.new_context(viewport=SIZES[size]).new_page()
    sign_in(nurse, base, "nurse@h.dk")
    for path, action in (("/reports/new", None), ("/reports/new", open_every_section), ("/reports/new", send_empty),
                         ("/reports/new", open_menu), ("/batch", None), ("/reports/mine", None), (f"/reports/mine/{ref}", None)):
        check(nurse, base + path, found, reporter_page=True, action=action)

    manager = browser.new_context(viewport=SIZES[size]).new_page()
    sign_in(manager, base, "rm@h.dk")
    for path in ("/cases", f"/cases/{ref}"):
        check(manager, base + path, found, reporter_page=False)
    assert found == {}

