"""The two reporter forms as a reporter meets them (SPEC §18), in Debian's Chromium through Playwright.

    .venv/bin/python bench/report_form_bench.py [--width 1366 --height 768]

For the staff form (`/reports/new`, signed in as a nurse) and the public form (`/public/report`) it
prints:
- visible controls: form controls a reporter sees before opening any optional section (input,
  select, textarea, button; a radio group counts as one), and how many of them are on the first
  screen (the part of the page inside the window without scrolling);
- required: fields marked `required` (visible or not; a radio group once), and the page height in pixels;
- the minimal valid report: keystrokes (characters typed) and clicks (a click into a text field, two
  for a drop-down (open, choose), one for a radio button, a checkbox or a button) the shortest way
  the form offers; the bench then submits and checks that the receipt page appears;
- whether the place could be typed by its name ("Hjemmeplejen"); when the form refuses the name the
  bench types the organisation's code instead and counts that too;
- page weight: bytes of the page and every file it loads.

The counts are modelled (Playwright fills the fields, the bench counts what a person would type and
click), so they compare forms, not typing speed. It runs against the test configuration over a
temporary SQLite database, a small region (hospital, department, kommune, home care) and one nurse.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TITLE = "Forkert dosis givet"
DESCRIPTION = "Patienten fik 10 mg i stedet for 5 mg."  # 38 characters: above the 20-character minimum
PLACE_NAME = "Hjemmeplejen"
PLACE_CODE = "K-HJ"
SUBMIT = "main form[method=post] button[type=submit]:not([data-now])"

COUNT_CONTROLS = """(formSel) => {
  const form = document.querySelector(formSel);
  const seen = new Set(), requiredNames = new Set(); let visible = 0, firstScreen = 0;
  for (const el of form.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden') continue;
    if (el.required) requiredNames.add(el.name || el.id);
    const box = el.getBoundingClientRect();
    const shown = box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true});
    if (!shown) continue;
    if (el.type === 'radio') { if (seen.has(el.name)) continue; seen.add(el.name); }
    visible++;
    if (box.top + window.scrollY < window.innerHeight) firstScreen++;
  }
  return {visible, firstScreen, required: requiredNames.size, height: document.documentElement.scrollHeight};
}"""


def make_app(tmp: Path):
    from tests.factories import make_org, make_user
    from uth import create_app
    from uth.extensions import db
    from uth.taxonomy.services import load_taxonomy
    import uth.models  # noqa: F401

    now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                                 "UTH_INDEX_DIR": str(tmp / "index"), "UTH_FIXED_NOW": now,
                                 "UTH_SMTP_HOST": "127.0.0.1", "UTH_SMTP_PORT": 1, "WTF_CSRF_SSL_STRICT": False})
    with app.app_context():
        db.create_all()
        load_taxonomy()
        db.session.commit()
        make_org("R", "region", name="Region Test")
        make_org("H", "hospital", parent="R", cluster="KL1", name="Testhospitalet")
        make_org("H-MED", "hospital", parent="H", cluster="KL1", name="Medicinsk afdeling")
        make_org("K", "kommune", cluster="KL1", name="Testkommune")
        make_org("K-HJ", "kommune", parent="K", cluster="KL1", name=PLACE_NAME)
        make_user("nurse@h.dk", "reporter", "H-MED", name="Sygeplejerske Hanne")
        make_user("rm@h.dk", "risk_manager", "H", name="Risikomanager Helle")
    return app, now


class Tally:
    def __init__(self, page):
        self.page, self.keys, self.clicks = page, 0, 0

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.keys += len(text)
        self.clicks += 1

    def choose(self, name: str, value: str) -> None:
        radio = self.page.locator(f"input[type=radio][name={name}][value='{value}']")
        if radio.count():
            radio.check()
            self.clicks += 1
        else:
            self.page.select_option(f"select[name={name}]", value)
            self.clicks += 2

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.clicks += 1


def minimal_report(page, base: str, path: str, now: datetime) -> dict:
    """Fill the fewest fields the form accepts; returns the counts and whether the receipt came."""
    page.goto(base + path)
    tally = Tally(page)
    now_button = page.locator("button[data-now]")
    if page.input_value("#occurred_at"):
        pass  # the form already says now
    elif now_button.count() and now_button.is_visible():
        tally.click("button[data-now]")
    else:
        local = (now - timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
        page.fill("#occurred_at", local)  # typed as day, month, year, hour, minute digits
        tally.keys += 12
        tally.clicks += 1
    tally.type("#title", TITLE)
    tally.type("#description", DESCRIPTION)
    tally.choose("actual_consequence", "none")
    tally.choose("possible_consequence", "minor")
    by_name = None
    if path.startswith("/public"):
        tally.type("#event_org", PLACE_NAME)
    tally.click(SUBMIT)
    page.wait_for_load_state()
    if path.startswith("/public"):
        by_name = page.locator(".receipt-code").count() > 0
        if not by_name:
            tally.type("#event_org", PLACE_CODE)
            if page.locator("#possible_consequence").count() and not page.locator("#possible_consequence").input_value():
                tally.choose("possible_consequence", "minor")
            tally.click(SUBMIT)
            page.wait_for_load_state()
    ok = page.locator(".receipt-code").count() > 0
    return {"keys": tally.keys, "clicks": tally.clicks, "ok": ok, "by_name": by_name}


def weigh(context, url: str) -> int:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.close()
    return sum(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--height", type=int, default=768)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    WSGIRequestHandler.log_request = lambda *a, **k: None

    with tempfile.TemporaryDirectory() as tmp:
        app, now = make_app(Path(tmp))
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print(f"window {args.width}x{args.height}")
            print(f"{'form':8} {'visible':>7} {'1st screen':>10} {'required':>8} {'height px':>9} "
                  f"{'keys':>5} {'clicks':>6} {'ok':>3} {'by name':>7} {'weight B':>9}")
            for label, path in (("staff", "/reports/new"), ("public", "/public/report")):
                context = browser.new_context(viewport={"width": args.width, "height": args.height})
                page = context.new_page()
                if label == "staff":
                    page.goto(base + "/login")
                    page.fill("#email", "nurse@h.dk")
                    page.fill("#password", "correct-horse-battery")
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                page.goto(base + path)
                counts = page.evaluate(COUNT_CONTROLS, "main form[method=post]")
                weight = weigh(context, base + path)
                run = minimal_report(page, base, path, now)
                by_name = "-" if run["by_name"] is None else ("yes" if run["by_name"] else "no")
                print(f"{label:8} {counts['visible']:>7} {counts['firstScreen']:>10} {counts['required']:>8} "
                      f"{counts['height']:>9} {run['keys']:>5} {run['clicks']:>6} {'yes' if run['ok'] else 'NO':>3} "
                      f"{by_name:>7} {weight:>9}")
                context.close()
            browser.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
