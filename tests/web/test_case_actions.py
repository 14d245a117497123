"""The case page's action forms: CSRF, only the allowed buttons, Danish errors, the statement round trip."""
import re

import pytest

from tests.conftest import csrf_token, login, logout
from tests.workflow_region import case_by_ref, hospital_case, make_region


@pytest.fixture
def ref(app):
    with app.app_context():
        make_region()
        return hospital_case(event_type="medicinering", anonymous=True)


def act(client, ref, action, **fields):
    token = csrf_token(client, f"/cases/{ref}")
    return client.post(f"/cases/{ref}/actions", data={"csrf_token": token, "action": action, **fields})


def offered(html):
    """The actions the page offers, by the hidden `action` inputs of its forms."""
    return set(re.findall(r'name="action" value="([a-z_]+)"', html))


def page(client, ref):
    return client.get(f"/cases/{ref}").get_data(as_text=True)


def test_a_new_case_offers_only_what_the_state_allows(client, ref):
    login(client, "rm@h.dk")
    assert offered(page(client, ref)) == {"acknowledge", "assign", "transfer", "classify", "comment", "edit", "reject",
                                         "message_reporter"}
    assert act(client, ref, "acknowledge").status_code == 302
    html = page(client, ref)
    assert "Udført: Kvitteret for modtagelse" in html and "Kvitteret</span>" in html
    assert "acknowledge" not in offered(html) and "Risikomanager Helle: Kvitteret for modtagelse" in html


def test_a_post_without_csrf_token_is_refused(client, ref, app):
    login(client, "rm@h.dk")
    response = client.post(f"/cases/{ref}/actions", data={"action": "acknowledge"})
    assert response.status_code == 400
    with app.app_context():
        assert case_by_ref(ref).status == "new"


def test_bad_input_shows_danish_errors_and_wrong_state_shows_the_refusal(client, ref):
    login(client, "rm@h.dk")
    response = act(client, ref, "reject", reason="", comment="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vælg en begrundelse for afvisningen" in html and "Kommentaren skal udfyldes" in html
    assert '<details class="action" id="action-reject" open>' in html
    response = act(client, ref, "close", conclusion="x", learning="y")
    assert response.status_code == 409 and "Sagen kan ikke afsluttes endnu" in response.get_data(as_text=True)


def test_close_findings_can_be_accepted_on_the_close_page(client, ref, app):
    login(client, "rm@h.dk")
    act(client, ref, "assign", assignee="rm@h.dk")
    token = csrf_token(client, f"/cases/{ref}/close")
    typed = {"csrf_token": token, "conclusion": "Skriv til jens@example.dk", "learning": "Send epikrisen samme dag.",
             "feedback": "Tak, rutinen er ændret."}
    response = client.post(f"/cases/{ref}/close", data=typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    finding_id = re.search(r'name="not_personal" value="([^"]+)"', html).group(1)
    assert "E-mailadresse i konklusionen" in html and "<mark>jens@example.dk</mark>" in html
    assert "(conclusion, email)" not in html and f">{finding_id}<" not in html  # words, not internal codes
    assert "Tak, rutinen er ændret." in html  # everything typed is kept
    response = client.post(f"/cases/{ref}/close", data={**typed, "not_personal": finding_id})
    assert response.status_code == 302
    html = page(client, ref)
    assert "Send epikrisen samme dag." in html and "Tak, rutinen er ændret." in html and offered(html) == {"comment", "reopen"}


def test_statement_round_trip_through_the_pages(client, ref, app):
    login(client, "rm@h.dk")
    act(client, ref, "assign", assignee="rm@h.dk")
    assert act(client, ref, "request_statement", org="K-HJ", question="Hvornår kom epikrisen frem?").status_code == 302
    logout(client)

    login(client, "rm@k.dk")
    queue = client.get("/cases").get_data(as_text=True)
    assert ref in queue and "Udtalelse ønsket" in queue
    html = page(client, ref)
    assert offered(html) == {"respond", "comment"} and "Hvornår kom epikrisen frem?" in html
    assert "Sygeplejerske Hanne" not in html  # the anonymous reporter stays hidden from the involved org
    assert act(client, ref, "respond", statement_id="999", text="Svar").status_code == 422
    statement_id = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
    assert act(client, ref, "respond", statement_id=statement_id, text="Den kom efter tre dage.").status_code == 302
    assert "Udtalelse ønsket" not in client.get("/cases").get_data(as_text=True)
    logout(client)

    login(client, "rm@h.dk")
    html = page(client, ref)
    assert "Den kom efter tre dage." in html and "Under behandling" in html
    assert "Udtalelse afgivet (Hjemmeplejen)" in html and "Udtalelse anmodet (Hjemmeplejen)" in html
    with app.app_context():
        actions = [e.action for e in case_by_ref(ref).events]
    assert actions == ["submitted", "assign", "request_statement", "respond"]


def test_transfer_moves_the_case_and_redirects_when_it_leaves_the_handlers_view(client, app):
    with app.app_context():
        make_region()
        ref = hospital_case(transition=None)
    login(client, "rm@h.dk")
    response = act(client, ref, "transfer", org="H2 — Andet Hospital", comment="Skete på det andet hospital")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases")
    assert client.get(f"/cases/{ref}").status_code == 404
    logout(client)
    login(client, "rm@h2.dk")
    html = page(client, ref)
    assert "Overført til anden organisation (Testhospitalet → Andet Hospital) – Skete på det andet hospital" in html
    with app.app_context():
        assert [e.action for e in case_by_ref(ref).events][-1] == "transfer"


def test_the_classify_form_asks_for_a_reason_to_lower_and_keeps_what_was_typed(client, ref):
    login(client, "rm@h.dk")
    html = page(client, ref)
    assert 'id="classify-reason"' in html and "Kun når alvorligheden sænkes" in html
    response = act(client, ref, "classify", event_type="medicinering.ordination", actual_consequence="minor",
                   possible_consequence="minor", ncc_merp="C", reason="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<details class="action" id="action-classify" open>' in html and "Begrundelsen for den lavere alvorlighed skal udfyldes" in html
    assert re.search(r'<option value="medicinering.ordination" selected>', html)
    assert re.search(r'<option value="C" selected>', html) and re.search(r'<option value="minor" selected>', html)
    response = act(client, ref, "classify", event_type="medicinering.ordination", actual_consequence="minor",
                   possible_consequence="minor", reason="Lægen vurderede dosis som ufarlig")
    assert response.status_code == 302
    html = page(client, ref)
    assert "Begrundelse: Lægen vurderede dosis som ufarlig" in html and "(Alvorlig patientsikkerhedsrisiko → Lettere konsekvens)" in html


def test_no_reason_is_asked_when_nothing_is_lower(client, ref):
    login(client, "rm@h.dk")
    assert act(client, ref, "classify", event_type="medicinering", actual_consequence="none",
               possible_consequence="minor", reason="Fejl i første vurdering").status_code == 302
    assert 'id="classify-reason"' not in page(client, ref)  # no_consequence: nothing lower to choose


def test_the_next_likely_action_is_one_click(client, ref, app):
    """Issue 12: acknowledge -> assign -> classify -> close as a primary step, not a collapsed triangle."""
    login(client, "rm@h.dk")
    html = page(client, ref)
    assert 'id="next-step"' in html and 'id="assign-me"' in html and 'id="action-acknowledge"' in html
    token = csrf_token(client, f"/cases/{ref}")
    assert client.post(f"/cases/{ref}/actions", data={"csrf_token": token, "action": "assign", "assignee": "rm@h.dk"}).status_code == 302
    html = page(client, ref)
    assert 'id="assign-me"' not in html
    assert 'id="next-step"' in html and f'href="/cases/{ref}/close"' in html  # classified at report: next is close
    with app.app_context():
        from tests.workflow_region import case_by_ref
        case = case_by_ref(ref)
        assert (case.status, case.assignee.email) == ("in_progress", "rm@h.dk") and case.acknowledged_at is not None
