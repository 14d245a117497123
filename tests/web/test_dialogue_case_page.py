"""The dialogue with the reporter on the case page (SPEC §19): the handling organisation writes and
reads; the limited view and the queue show none of it; a closed case refuses; a message with a phone
number blocks close and the anonymisation page's redaction clears it."""
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, end_session, login, logout
from tests.factories import PASSWORD
from tests.web.test_nothing_typed_is_lost import hidden
from tests.workflow_region import case_by_ref, hospital_case, make_region, user
from uth.clock import utcnow
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.dialogue import reporter_writes

QUESTION = "Hvornår opdagede du, at epikrisen manglede?"
ANSWER = "Ved kontrollen hos egen læge. Ring gerne på 22 33 44 55."


@pytest.fixture
def ref(app):
    with app.app_context():
        make_region()
        return hospital_case(event_type="medicinering")


def act(client, ref, action, **fields):
    token = csrf_token(client, f"/cases/{ref}")
    return client.post(f"/cases/{ref}/actions", data={"csrf_token": token, "action": action, **fields})


def reporter_answers(app, ref, text=ANSWER):
    with app.app_context():
        reporter_writes(user("nurse"), case_by_ref(ref), {"text": text}, now=utcnow())
        db.session.commit()


def test_the_risk_manager_writes_to_the_reporter_and_reads_the_answer(app, client, ref):
    login(client, "rm@h.dk")
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'id="dialogue"' in html and "Ingen beskeder endnu" in html
    response = act(client, ref, "message_reporter", text=QUESTION)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{ref}#dialogue")
    reporter_answers(app, ref)
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    dialogue = html[html.index('id="dialogue"'):html.index("Historik")]
    assert QUESTION in dialogue and "Ved kontrollen hos egen læge" in dialogue
    assert "Risikomanager Helle (risikomanager)" in dialogue and "Indberetter" in dialogue
    assert "Besked til indberetter" in html and "Besked fra indberetter" in html  # the history
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reporter_message"))
        assert QUESTION not in mail.body


def test_english_case_page(client, ref):
    login(client, "rm@h.dk")
    html = client.get(f"/cases/{ref}?lang=en").get_data(as_text=True)
    assert "Dialogue with the reporter" in html and "Send to the reporter" in html


def test_empty_message_is_shown_again_with_the_error(client, ref):
    login(client, "rm@h.dk")
    response = act(client, ref, "message_reporter", text="  ")
    assert response.status_code == 422
    assert "Beskeden skal udfyldes" in response.get_data(as_text=True)


def test_the_limited_view_and_the_queue_show_no_messages(app, client, ref):
    login(client, "rm@h.dk")
    act(client, ref, "message_reporter", text=QUESTION)
    reporter_answers(app, ref)
    queue = client.get("/cases").get_data(as_text=True)
    assert ref in queue and QUESTION not in queue and "Ved kontrollen" not in queue
    logout(client)
    login(client, "rm@k.dk")  # the kommune is involved: the limited view
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Begrænset visning" in html
    assert QUESTION not in html and "Ved kontrollen" not in html and 'id="dialogue"' not in html
    assert "message_reporter" not in html
    queue = client.get("/cases").get_data(as_text=True)
    assert ref in queue and QUESTION not in queue and "Ved kontrollen" not in queue
    response = client.post(f"/cases/{ref}/actions", data={"csrf_token": csrf_token(client, f"/cases/{ref}"),
                                                         "action": "message_reporter", "text": QUESTION})
    assert response.status_code == 404


def test_a_closed_case_refuses_messages_with_409(app, client, ref):
    login(client, "rm@h.dk")
    act(client, ref, "assign", assignee="rm@h.dk")
    act(client, ref, "classify", event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    assert act(client, ref, "close", conclusion="Rutinen er ændret.", learning="Send epikrisen samme dag.").status_code == 302
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'value="message_reporter"' not in html and "der kan ikke skrives flere beskeder" in html
    response = client.post(f"/cases/{ref}/actions", data={"csrf_token": csrf_token(client, f"/cases/{ref}"),
                                                         "action": "message_reporter", "text": QUESTION})
    assert response.status_code == 409 and "ikke mulig" in response.get_data(as_text=True)


def test_a_phone_number_in_a_message_blocks_close_and_redaction_clears_it(app, client, ref):
    login(client, "rm@h.dk")
    act(client, ref, "assign", assignee="rm@h.dk")
    act(client, ref, "classify", event_type="medicinering", actual_consequence="none", possible_consequence="serious_or_fatal")
    reporter_answers(app, ref)
    with app.app_context():
        message_id = case_by_ref(ref).messages[0].id
    response = act(client, ref, "close", conclusion="Rutinen er ændret.", learning="Send epikrisen samme dag.")
    assert response.status_code == 422
    assert f"message:{message_id}" in response.get_data(as_text=True) and "22 33 44 55" in response.get_data(as_text=True)
    findings = client.get(f"/cases/{ref}/anonymisation").get_data(as_text=True)
    assert f"Besked {message_id} i dialogen med indberetter" in findings and 'id="redact-all"' in findings
    token = csrf_token(client, f"/cases/{ref}/anonymisation")
    assert client.post(f"/cases/{ref}/anonymisation/redact", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert case_by_ref(ref).messages[0].text == "Ved kontrollen hos egen læge. Ring gerne på [TELEFON]."
    assert act(client, ref, "close", conclusion="Rutinen er ændret.", learning="Send epikrisen samme dag.").status_code == 302
    with app.app_context():
        assert case_by_ref(ref).status == "closed"


def test_the_edit_form_offers_the_messages(app, client, ref):
    reporter_answers(app, ref)
    login(client, "rm@h.dk")
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert re.search(r'name="message:\d+"', html)


@pytest.mark.parametrize("cookie_gone", [False, True], ids=["session ended", "cookie gone"])
def test_a_question_written_as_the_session_ended_is_sent_after_signing_in_again(app, client, ref, cookie_gone):
    """Any form of a signed-in user, not only the reporter's: a `next` to the POST-only action address
    ended in 405 with the question gone."""
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/cases/{ref}?lang=en")  # English chosen: it outlives the session cookie
    end_session(client, cookie_gone=cookie_gone)
    response = client.post(f"/cases/{ref}/actions", data={"csrf_token": token, "action": "message_reporter",
                                                          "text": QUESTION})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Sign in again to send what you wrote" in html
    carried = hidden(html)
    assert carried["text"] == QUESTION and carried["action"] == "message_reporter"
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert action == f"/login?next=/cases/{ref}/actions"
    page = client.post(action, data={**carried, "email": "rm@h.dk", "password": PASSWORD})
    assert page.status_code == 200 and f'action="/cases/{ref}/actions"' in page.get_data(as_text=True)
    sent = client.post(f"/cases/{ref}/actions", data=hidden(page.get_data(as_text=True)))
    assert sent.status_code == 302
    with app.app_context():
        assert [(m.sender, m.text) for m in case_by_ref(ref).messages] == [("risk_manager", QUESTION)]


def test_a_page_asked_for_signed_out_still_goes_to_sign_in_and_back(client, ref):
    response = client.get(f"/cases/{ref}")
    assert response.status_code == 302 and f"next=%2Fcases%2F{ref}" in response.headers["Location"]
    assert client.get("/api/v1/cases").status_code == 401
