"""The reporter's side of the dialogue (SPEC §19): the public status page by receipt code and *Mine
indberetninger* (cards, a page per report) show what was reported, who handles it, the status in
plain words, the expected date and the questions, and take an answer or more information."""
import re

import pytest

from tests.conftest import FIXED_NOW, csrf_token, end_session, login
from tests.factories import PASSWORD, report_data
from tests.web.test_nothing_typed_is_lost import hidden
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
                 "Din indberetning er modtaget, og en risikomanager har skrevet til dig", QUESTION,
                 "Dit svar til risikomanageren", 'name="code"'):
        assert text in html, text
    assert "venter på at blive set" not in html  # the question above says it has been seen
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


# Nothing typed is lost in the dialogue either (SPEC §18, §19): an answer sent on an expired page, after
# the session ended, or refused by the rate limit comes back to be sent again.
ANSWER = "Det var lørdag morgen, og hjemmeplejen kom først ved middagstid."


def messages(app, ref):
    with app.app_context():
        return [(m.sender, m.text) for m in case_by_ref(ref).messages]


def test_an_answer_on_an_expired_status_page_comes_back_to_send_again(app, client, public):
    ref, code = public
    client.get("/public/status")
    response = client.post("/public/status/messages", data={"csrf_token": "expired", "code": code, "text": ANSWER})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden var udløbet, så din besked er ikke sendt endnu" in html and "CSRF" not in html
    assert f">{ANSWER}</textarea>" in html and QUESTION in html and "data-kept" in html
    assert messages(app, ref) == [("risk_manager", QUESTION)]
    form = hidden(html)
    assert form["code"] == code
    again = client.post("/public/status/messages", data={**form, "text": ANSWER})
    assert again.status_code == 200 and "Din besked er sendt" in again.get_data(as_text=True)
    assert messages(app, ref) == [("risk_manager", QUESTION), ("reporter", ANSWER)]


def test_an_expired_look_up_keeps_the_code(client, public):
    _, code = public
    client.get("/public/status?lang=en")
    response = client.post("/public/status", data={"csrf_token": "expired", "code": code})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The page had expired. Press Check status again." in html and f'value="{code}"' in html
    assert QUESTION not in html  # nothing of the case without a valid form


def test_an_answer_kept_after_the_session_cookie_went_is_in_the_language_chosen(app, client, public):
    """A relative who chose English and whose browser dropped the session cookie (closed and opened
    again) gets the kept answer back in English, not Danish."""
    ref, code = public
    client.get("/public/status?lang=en")
    client.delete_cookie("session")
    response = client.post("/public/status/messages", data={"csrf_token": "expired", "code": code, "text": ANSWER})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The page had expired, so your message has not been sent yet" in html and f">{ANSWER}</textarea>" in html


def test_an_answer_on_an_expired_staff_page_is_kept(app, client, staff):
    login(client, "nurse@h.dk")
    response = client.post(f"/reports/mine/{staff}/messages", data={"csrf_token": "expired", "text": ANSWER})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "din besked er ikke sendt endnu" in html and f">{ANSWER}</textarea>" in html
    assert messages(app, staff) == [("risk_manager", QUESTION)]


@pytest.mark.parametrize("cookie_gone", [False, True], ids=["session ended", "cookie gone"])
def test_after_the_session_ended_signing_in_again_sends_the_answer(app, client, staff, cookie_gone):
    login(client, "nurse@h.dk")
    token = csrf_token(client, f"/reports/mine/{staff}")
    end_session(client, cookie_gone=cookie_gone)
    response = client.post(f"/reports/mine/{staff}/messages", data={"csrf_token": token, "text": ANSWER})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Log ind igen for at sende din besked" in html
    carried = hidden(html)
    assert carried["text"] == ANSWER and carried["resume"] == "reply"
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert action == f"/login?next=/reports/mine/{staff}/messages"

    signed_in = client.post(action, data={**carried, "email": "nurse@h.dk", "password": PASSWORD})
    assert signed_in.status_code == 200
    page = signed_in.get_data(as_text=True)
    assert "Din besked er ikke sendt endnu" in page and f'action="/reports/mine/{staff}/messages"' in page
    onward = hidden(page)
    assert onward["text"] == ANSWER and not {"email", "password", "resume"} & set(onward)
    sent = client.post(f"/reports/mine/{staff}/messages", data=onward)
    assert sent.status_code == 302
    assert "Din besked er sendt" in client.get(f"/reports/mine/{staff}").get_data(as_text=True)
    assert messages(app, staff) == [("risk_manager", QUESTION), ("reporter", ANSWER)]


def test_a_carried_answer_is_sent_on_only_to_its_own_form(client, staff):
    """The sign-in page sends a carried answer on only to a reply address, and a report only to the form."""
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next=/reports/mine/{staff}", data={
        "csrf_token": token, "resume": "reply", "text": ANSWER, "email": "nurse@h.dk", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/mine/{staff}")


def test_a_refused_answer_leads_back_to_the_page_with_the_reply_box(app, client, public):
    _, code = public
    app.config["UTH_PUBLIC_REPORT_LIMIT"] = "1 per hour"
    assert reply(client, code, ANSWER).status_code == 200
    refused = reply(client, code, ANSWER)
    assert refused.status_code == 429
    back = re.search(r'<a href="([^"]+)">Tilbage til formularen: det, du har skrevet, er gemt', refused.get_data(as_text=True))
    assert back.group(1) == "/public/status" and client.get(back.group(1)).status_code == 200  # not the POST-only address
