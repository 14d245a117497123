"""The reporter's side of the dialogue (SPEC §19): the public status page by receipt code and *Mine
indberetninger* (cards, a page per report) show what was reported, who handles it, the status in
plain words, the expected date and the questions, and take an answer or more information."""
import pytest

from tests.conftest import FIXED_NOW, csrf_token, login
from tests.factories import report_data
from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.clock import utcnow
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.references import receipt_hash
from uth.reports.services import submit_report
from uth.reports.validation import parse_report

QUESTION = "Hvornår opdagede du, at medicinen manglede?"


@pytest.fixture
def public(app):
    """A relative's report with a question from the risk manager: (reference, receipt code)."""
    with app.app_context():
        make_region()
        data = parse_report(report_data(event_org="H-MED", title="Min mor fik ikke sin medicin",
                                        reporter={"email": "datter@example.dk"}), public=True, reporter=None, now=FIXED_NOW)
        case, code = submit_report(None, data, now=FIXED_NOW, public=True)
        perform(user("rm_h"), case, "message_reporter", {"text": QUESTION}, now=utcnow())
        db.session.commit()
        return case.reference, code


def lookup(client, code, lang=""):
    token = csrf_token(client, "/public/status")
    return client.post(f"/public/status{lang}", data={"csrf_token": token, "code": code})


def reply(client, code, text):
    token = csrf_token(client, "/public/status")
    return client.post("/public/status/messages", data={"csrf_token": token, "code": code, "text": text})


def test_the_status_page_shows_the_report_and_the_question(client, public):
    ref, code = public
    html = lookup(client, code).get_data(as_text=True)
    for text in ("Min mor fik ikke sin medicin", ref, "Testhospitalet", "Behandles af", "Forventet svar senest",
                 "Din indberetning er modtaget", QUESTION, "Dit svar til risikomanageren", 'name="code"'):
        assert text in html, text
    with client.application.app_context():
        assert case_by_ref(ref).close_by.strftime("%d-%m-%Y") in html
    assert code not in client.get("/public/status").get_data(as_text=True)
    with client.application.app_context():
        assert case_by_ref(ref).staff_receipt_code is None  # a public reporter's code is kept only as a hash


def test_the_status_page_in_english(client, public):
    _, code = public
    client.get("/public/status?lang=en")
    html = lookup(client, code).get_data(as_text=True)
    assert "Your report has been received" in html and "Handled by" in html and "Your answer to the risk manager" in html
    assert "The message is required" in reply(client, code, " ").get_data(as_text=True)


def test_the_relative_answers_by_receipt_code(app, client, public):
    ref, code = public
    response = reply(client, code, "Det var lørdag morgen.")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Din besked er sendt" in html and "Det var lørdag morgen." in html and "Tilføj oplysninger" in html
    with app.app_context():
        assert [(m.sender, m.text) for m in case_by_ref(ref).messages] == [
            ("risk_manager", QUESTION), ("reporter", "Det var lørdag morgen.")]


def test_a_bad_answer_keeps_the_text_and_an_unknown_code_is_404(client, public):
    _, code = public
    long_text = "Lang tekst. " * 500
    response = reply(client, code, long_text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Må højst være 5000 tegn" in html and long_text.strip() in html
    assert reply(client, code, " ").status_code == 422
    assert reply(client, "AAAA-BBBB-CCCC-DDDD", "Hej").status_code == 404
    response = client.post("/public/status/messages", data={"code": code, "text": "Hej"})
    assert response.status_code == 400  # no CSRF token


def test_a_closed_case_refuses_the_answer_with_409(app, client, public):
    ref, code = public
    with app.app_context():
        perform(user("rm_h"), case_by_ref(ref), "reject", {"reason": "test_case", "comment": "Øvelse"}, now=utcnow())
        db.session.commit()
    html = lookup(client, code).get_data(as_text=True)
    assert 'id="reply-text"' not in html and "der kan ikke længere skrives beskeder" in html
    response = reply(client, code, "Et svar for sent")
    assert response.status_code == 409
    with app.app_context():
        assert len(case_by_ref(ref).messages) == 1


@pytest.fixture
def staff(app):
    with app.app_context():
        make_region()
        ref = hospital_case()
        perform(user("rm_h"), case_by_ref(ref), "message_reporter", {"text": QUESTION}, now=utcnow())
        db.session.commit()
        return ref


def test_mine_is_a_list_of_cards_linking_to_a_page_per_report(app, client, staff):
    with app.app_context():
        case = case_by_ref(staff)
        code = case.staff_receipt_code
        assert code and receipt_hash(code) == case.receipt_hash  # the receipt seen again (SPEC §18)
    login(client, "nurse@h.dk")
    html = client.get("/reports/mine").get_data(as_text=True)
    assert "<table" not in html and f'href="/reports/mine/{staff}"' in html and "Spørgsmål til dig" in html
    html = client.get(f"/reports/mine/{staff}").get_data(as_text=True)
    for text in ("Epikrise ikke modtaget", staff, "Kvitteringskode", code, "Testhospitalet", "Forventet svar senest",
                 QUESTION, 'id="reply-text"'):
        assert text in html, text


def test_the_staff_reporter_answers_on_the_report_page(app, client, staff):
    login(client, "nurse@h.dk")
    token = csrf_token(client, f"/reports/mine/{staff}")
    response = client.post(f"/reports/mine/{staff}/messages", data={"csrf_token": token, "text": "Om aftenen."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/mine/{staff}#dialogue")
    html = client.get(f"/reports/mine/{staff}").get_data(as_text=True)
    assert "Din besked er sendt" in html and "Om aftenen." in html
    token = csrf_token(client, f"/reports/mine/{staff}")
    response = client.post(f"/reports/mine/{staff}/messages", data={"csrf_token": token, "text": ""})
    assert response.status_code == 422 and "Beskeden skal udfyldes" in response.get_data(as_text=True)
    with app.app_context():
        assert [m.sender for m in case_by_ref(staff).messages] == ["risk_manager", "reporter"]


def test_nobody_else_opens_or_answers_the_report_page(client, staff):
    login(client, "rm@h.dk")
    assert client.get(f"/reports/mine/{staff}").status_code == 404
    token = csrf_token(client, "/reports/mine")
    assert client.post(f"/reports/mine/{staff}/messages", data={"csrf_token": token, "text": "Hej"}).status_code == 404
