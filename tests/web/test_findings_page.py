"""The anonymisation check page: findings marked in the text; redact all goes through `edit` (SPEC §5, §8)."""
import re

from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region
from tests.conftest import FIXED_NOW, csrf_token, login
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.models import Case, Statement


def test_findings_are_marked_and_redact_all_clears_them(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"], description=f"{PATIENT_NAME} fik forkert dosis, cpr {PATIENT_CPR}, ring 31415926.").reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert f'<mark title="name">{PATIENT_NAME}</mark>' in page and f'<mark title="cpr">{PATIENT_CPR}</mark>' in page
    close_page = client.get(f"/cases/{reference}/close").get_data(as_text=True)
    assert close_page.count('name="not_personal"') == 1  # the phone number; the patient's own name and CPR must be corrected
    assert "Navn i beskrivelsen" in page and "CPR-nummer i beskrivelsen" in close_page
    token = csrf_token(client, f"/cases/{reference}/anonymisation")
    assert client.post(f"/cases/{reference}/anonymisation/redact", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert "Ingen fund" in page and PATIENT_CPR not in page
    assert "[NAVN] fik forkert dosis, cpr [CPR], ring [TELEFON]." in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_only_handlers_open_the_page(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    login(client, "rm@k.dk")
    assert client.get(f"/cases/{reference}/anonymisation").status_code == 404


def _case_with_a_statement_naming_the_patient(users):
    case = personal_case(users["nurse"])
    perform(users["rm"], case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
    perform(users["rm"], case, "classify", {"event_type": "medicinering", "actual_consequence": "none"}, now=FIXED_NOW)
    perform(users["rm"], case, "request_statement", {"org": "K", "question": f"Hvornår så I {PATIENT_NAME}?"}, now=FIXED_NOW)
    perform(users["rm_k"], case, "respond", {"statement_id": case.statements[0].id,
                                             "text": f"Vi besøgte {PATIENT_NAME} ({PATIENT_CPR}) om aftenen."}, now=FIXED_NOW)
    db.session.commit()
    return case.reference, case.statements[0].id


def test_redact_all_covers_statement_questions_and_answers(app, client):
    with app.app_context():
        reference, sid = _case_with_a_statement_naming_the_patient(region())
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert "i udtalelse" in page and 'id="redact-all"' in page
    token = csrf_token(client, f"/cases/{reference}/anonymisation")
    assert client.post(f"/cases/{reference}/anonymisation/redact", data={"csrf_token": token}).status_code == 302
    assert "Ingen fund" in client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    with app.app_context():
        statement = db.session.get(Statement, sid)
        assert statement.question == "Hvornår så I [NAVN]?"
        assert statement.answer == "Vi besøgte [NAVN] ([CPR]) om aftenen."
    token = csrf_token(client, f"/cases/{reference}/close")
    response = client.post(f"/cases/{reference}/close", data={
        "csrf_token": token, "conclusion": "Besøget lå for sent.", "learning": "Planlæg besøget."})
    assert response.status_code == 302


def test_the_patients_own_cpr_has_no_checkbox_and_cannot_be_accepted(app, client):
    with app.app_context():
        users = region()
        reference = personal_case(users["nurse"], description=f"Patienten med cpr {PATIENT_CPR} fik forkert dosis.").reference
        perform(users["rm"], _by_ref(reference), "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
        perform(users["rm"], _by_ref(reference), "classify", {"event_type": "medicinering", "actual_consequence": "none"}, now=FIXED_NOW)
        db.session.commit()
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert "Sagens egne personoplysninger, skal rettes" in page
    page = client.get(f"/cases/{reference}/close").get_data(as_text=True)
    assert 'name="not_personal"' not in page
    [finding_id] = re.findall(r'name="replace" value="(cpr-[^"]+)"', page)
    token = csrf_token(client, f"/cases/{reference}/close")
    response = client.post(f"/cases/{reference}/close", data={
        "csrf_token": token, "conclusion": "Dosis blev fejlberegnet.", "learning": "Dobbeltkontrol.",
        "not_personal": finding_id})
    assert response.status_code == 422
    assert finding_id in response.get_data(as_text=True) and "sagens egne personoplysninger" in response.get_data(as_text=True)
    with app.app_context():
        assert _by_ref(reference).status == "in_progress" and _by_ref(reference).patient_cpr is not None


def _by_ref(reference):
    return db.session.query(Case).filter_by(reference=reference).one()
