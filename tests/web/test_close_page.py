"""Issue 12: one close page that lists every blocker at once in words, replaces a finding in place,
keeps everything typed and always carries the feedback to the reporter (SPEC §5 close, §8)."""
import re

from sqlalchemy import select

from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region
from tests.conftest import FIXED_NOW, csrf_token, login
from uth.extensions import db
from uth.handling.actions import perform
from uth.notifications.models import OutboxMessage
from uth.reports.models import Case

TYPED = {"conclusion": "Dosis blev fejlberegnet i afdelingen.", "learning": "Indfør dobbeltkontrol af doser.",
         "feedback": "Tak for din indberetning; vi har indført dobbeltkontrol."}


DESCRIPTION = f"Patienten {PATIENT_NAME} fik dobbelt dosis om aftenen, opdaget af natholdet."


def _assigned_case(app, description=DESCRIPTION, **fields) -> str:
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"], description=description, **fields)
        perform(users["rm"], case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
        db.session.commit()
        return case.reference


def _case(app, reference):
    with app.app_context():
        return db.session.scalar(select(Case).where(Case.reference == reference))


def test_every_blocker_at_once_in_words_and_everything_typed_is_kept(app, client):
    reference = _assigned_case(app)
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/cases/{reference}/close")
    response = client.post(f"/cases/{reference}/close", data={"csrf_token": token, **TYPED})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The missing event type and the personal data, both in one answer, in words with the text around it.
    assert "Klassificér hændelsestypen før sagen afsluttes" in html
    assert "Navn i beskrivelsen" in html and f"Patienten <mark>{PATIENT_NAME}</mark> fik dobbelt dosis" in html
    assert "(description, name)" not in html and not re.search(r">name-[0-9a-f]{10}<", html)
    for text in TYPED.values():
        assert text in html
    assert 'name="event_type"' in html and 'name="text:description"' in html  # fixed on the same page
    assert _case(app, reference).status == "in_progress"


def test_a_finding_is_replaced_in_place_and_the_close_carries_the_feedback(app, client):
    reference = _assigned_case(app, event_type="medicinering")
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/cases/{reference}/close")
    refused = client.post(f"/cases/{reference}/close", data={"csrf_token": token, **TYPED}).get_data(as_text=True)
    [finding_id] = re.findall(r'name="replace" value="(name-[^"]+)"', refused)
    replaced = client.post(f"/cases/{reference}/close", data={"csrf_token": token, **TYPED, "replace": finding_id,
                                                              "text:description": _case(app, reference).description})
    assert replaced.status_code == 200
    html = replaced.get_data(as_text=True)
    assert "Patienten [NAVN] fik dobbelt dosis om aftenen" in html and all(text in html for text in TYPED.values())
    assert _case(app, reference).description.startswith(f"Patienten {PATIENT_NAME}")  # nothing saved yet

    description = re.search(r'name="text:description"[^>]*>([^<]*)</textarea>', html).group(1)
    closed = client.post(f"/cases/{reference}/close", data={"csrf_token": token, **TYPED, "text:description": description})
    assert closed.status_code == 302
    case = _case(app, reference)
    assert case.status == "closed" and case.description.startswith("Patienten [NAVN] fik")
    assert (case.conclusion, case.learning, case.feedback) == (TYPED["conclusion"], TYPED["learning"], TYPED["feedback"])
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "feedback"))
        assert TYPED["feedback"] in mail.body


def test_the_classification_is_given_on_the_close_page(app, client):
    reference = _assigned_case(app, description="Patienten fik dobbelt dosis om aftenen, opdaget af natholdet.")
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/cases/{reference}/close")
    page = client.get(f"/cases/{reference}/close").get_data(as_text=True)
    assert 'id="close-event_type"' in page and "Konklusionen skal udfyldes" not in page
    response = client.post(f"/cases/{reference}/close", data={
        "csrf_token": token, **TYPED, "event_type": "medicinering", "actual_consequence": "minor", "possible_consequence": "minor"})
    assert response.status_code == 422 and 'name="reason"' in response.get_data(as_text=True)  # lower severity: a reason (SPEC §21)
    assert TYPED["feedback"] in response.get_data(as_text=True)
    response = client.post(f"/cases/{reference}/close", data={
        "csrf_token": token, **TYPED, "event_type": "medicinering", "actual_consequence": "minor", "possible_consequence": "minor",
        "reason": "Dosis var kun lidt for høj."})
    assert response.status_code == 302
    case = _case(app, reference)
    assert (case.status, case.event_type, case.actual_consequence) == ("closed", "medicinering", "minor")


def test_the_api_lists_every_blocker_of_a_close(app, client):
    from tests.factories import auth_header, make_token
    from uth.auth.services import find_user
    reference = _assigned_case(app)
    with app.app_context():
        headers = auth_header(make_token(find_user("rm@h.dk")))
    response = client.post(f"/api/v1/cases/{reference}/actions", headers=headers,
                           json={"action": "close", "learning": f"Ring {PATIENT_CPR}"})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]) == {"conclusion", "event_type"}
    assert {(f["field"], f["kind"]) for f in body["findings"]} == {("description", "name"), ("learning", "cpr")}
    messages = [b["message"] for b in body["blockers"]]
    assert any(m.startswith("Navn i beskrivelsen: »Patienten Xenia Quistgaard fik") for m in messages)
    assert any(m.startswith("CPR-nummer i læringen") for m in messages) and len(messages) == 4


def test_a_new_case_is_assigned_from_the_close_page_and_comes_back_to_it(app, client):
    with app.app_context():
        users = region()
        reference = personal_case(users["nurse"], description="Patienten fik dobbelt dosis om aftenen, opdaget af natholdet.",
                                  event_type="medicinering").reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/close").get_data(as_text=True)
    assert "Sagen er ikke under behandling endnu" in page and 'id="close-assign-me"' in page
    token = csrf_token(client, f"/cases/{reference}/close")
    assigned = client.post(f"/cases/{reference}/actions", data={"csrf_token": token, "action": "assign", "assignee": "rm@h.dk",
                                                                "back": "close"})
    assert assigned.status_code == 302 and assigned.headers["Location"].endswith(f"/cases/{reference}/close")
    closed = client.post(f"/cases/{reference}/close", data={"csrf_token": token, **TYPED})
    assert closed.status_code == 302 and _case(app, reference).status == "closed"
