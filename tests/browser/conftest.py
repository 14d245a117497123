"""A live server over the test app and Debian's Chromium driven by Playwright (never a downloaded browser)."""
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD

# Playwright's assertions wait up to 5 s for a page to come true; on a loaded machine a POST and the
# next page can take longer. A wrong page still fails, only later.
expect.set_options(timeout=15_000)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def read_whole(app):
    """Each answer read to its end, and closed, before it is sent. Werkzeug's development server skips
    a response's close() when the browser has dropped the connection (a favicon asked for as a page
    is left), so a static file's handle was left open and its ResourceWarning failed a random test."""
    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()
    return wsgi


@pytest.fixture
def live_url(app):
    """The test app served on a free loopback port for the length of a test."""
    app.config["WTF_CSRF_SSL_STRICT"] = False
    httpd = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
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


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the real login form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who").first).to_be_attached()  # on a phone the name sits in the closed menu


def sideways_scroll(page) -> int:
    """How far the page is wider than the window (0: no sideways scroll), measured once the page has
    loaded: right after a click that navigates, the new page's text is there before its stylesheet,
    and an unstyled table is wider than a phone."""
    page.wait_for_load_state("load")
    return max(0, page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"])
