"""The English pages (?lang=en) show no Danish: every visible text and every placeholder, label and
title attribute is checked against the Danish message ids of the catalog and for Danish letters. The
test data is in English, so whatever Danish shows came from the application, not from the data."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import csrf_token, login
from tests.factories import make_case, make_org, make_user
from uth.handling.closing import DEFAULT_FEEDBACK
from uth.translations import catalog as po

DANISH_LETTERS = re.compile("[æøåÆØÅ]")
# English texts that rightly hold a Danish letter (a Danish name kept beside its English one).
ALLOWED = {"Core cause analysis (KÅA)"}
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class _Texts(HTMLParser):
    """The visible texts of a page and the attributes a person reads, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")
        self.texts += [value.strip() for name, value in attrs if name in ATTRIBUTES and value and value.strip()]

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def danish_leftovers(html: str) -> list[str]:
    """The texts of an English page that are Danish: a Danish message id (one the catalog translates
    to something else), or a text with æ, ø or å."""
    danish = {m.id for m in po.read() if m.id and isinstance(m.id, str) and m.string and m.string != m.id}
    parser = _Texts()
    parser.feed(html)
    return [t for t in parser.texts if t not in ALLOWED and (t in danish or DANISH_LETTERS.search(t))]


@pytest.fixture
def english_case(app):
    with app.app_context():
        make_org("H", "hospital", name="North Hospital")
        make_org("H-MED", "hospital", parent="H", name="North Hospital Medicine")
        make_user("nurse@h.dk", "reporter", "H-MED", name="Nora Nurse")
        make_user("rm@h.dk", "risk_manager", "H", name="Rita Manager")
        case, _ = make_case(title="Wrong dose given", event_org="H", event_type="medicinering",
                            description="The patient was given a double dose of metformin in the evening.")
        return case.reference


def _english(client, path: str) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    return html


def test_report_form_in_english_has_no_danish(client, english_case):
    login(client, "nurse@h.dk")
    html = _english(client, "/reports/new")
    assert "Report an unintended event" in html
    assert danish_leftovers(html) == []


def test_queue_in_english_has_no_danish(client, english_case):
    login(client, "rm@h.dk")
    html = _english(client, "/cases")
    assert english_case in html and "Case queue" in html
    assert danish_leftovers(html) == []


def test_case_page_in_english_has_no_danish(client, english_case):
    login(client, "rm@h.dk")
    html = _english(client, f"/cases/{english_case}")
    assert "Wrong dose given" in html
    assert danish_leftovers(html) == []


def test_the_danish_page_says_it_is_danish(client, english_case):
    login(client, "rm@h.dk")
    html = client.get("/cases?lang=da").get_data(as_text=True)
    assert '<html lang="da">' in html and "Sagskø" in html


def test_the_check_finds_danish_on_a_page():
    assert danish_leftovers('<p>Case queue</p><p lang="da">Sagskø</p><input placeholder="ÅÅÅÅ-MM">') == [
        "Sagskø", "ÅÅÅÅ-MM"]


def test_report_form_errors_in_english_have_no_danish(client, english_case):
    login(client, "nurse@h.dk")
    token = csrf_token(client, "/reports/new?lang=en")
    html = client.post("/reports/new", data={"csrf_token": token, "title": "", "description": "short"}).get_data(
        as_text=True)
    assert 'class="error' in html
    assert danish_leftovers(html) == []


def test_refused_case_actions_in_english_have_no_danish(client, english_case):
    login(client, "rm@h.dk")
    page = f"/cases/{english_case}"
    token = csrf_token(client, page + "?lang=en")
    html = client.post(page + "/actions", data={"csrf_token": token, "action": "transfer", "org": "NOPE"}).get_data(
        as_text=True)
    assert "Unknown organisation: NOPE" in html
    assert danish_leftovers(html) == []


def test_audit_trail_errors_in_english_have_no_danish(app, client):
    with app.app_context():
        make_org("H", "hospital", name="North Hospital")
        make_user("crm@h.dk", "central_risk_manager", "H", name="Carl Central")
    login(client, "crm@h.dk")
    html = _english(client, "/audit?date_from=x")
    assert "Invalid date (use YYYY-MM-DD)" in html
    assert danish_leftovers(html) == []


def test_close_page_in_english_says_the_suggested_feedback_is_danish(client, english_case):
    """The feedback goes to the reporter as written; its suggested text is Danish, and the English
    page says so rather than leaving an unexplained Danish text in the form."""
    login(client, "rm@h.dk")
    html = _english(client, f"/cases/{english_case}/close")
    assert "The suggested text is in Danish, as the reporter will read it." in html
    assert danish_leftovers(html) == [DEFAULT_FEEDBACK]
    danish = client.get(f"/cases/{english_case}/close?lang=da").get_data(as_text=True)
    assert "Den foreslåede tekst er på dansk" not in danish
