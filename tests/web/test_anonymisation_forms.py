"""Case page forms around anonymisation: the edit form covers statements; a note on a closed case is scanned."""
from tests.anon_cases import PATIENT_NAME, close, personal_case, region
from tests.conftest import FIXED_NOW, csrf_token, login
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.models import CaseEvent, Statement


def test_the_edit_form_offers_a_statements_question_and_answer(app, client):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        perform(users["rm"], case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
        perform(users["rm"], case, "request_statement", {"org": "K", "question": "Hvornår kom I?"}, now=FIXED_NOW)
        perform(users["rm_k"], case, "respond", {"statement_id": case.statements[0].id,
                                                 "text": f"Vi kom til {PATIENT_NAME} kl. 18."}, now=FIXED_NOW)
        db.session.commit()
        reference, sid = case.reference, case.statements[0].id
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'name="statement:{sid}:question"' in page and f'name="statement:{sid}:answer"' in page
    form = {"csrf_token": csrf_token(client, f"/cases/{reference}"), "action": "edit",
            "title": "Epikrise ikke modtaget",
            "description": "Patienten blev udskrevet, men egen læge modtog ikke epikrisen før kontrollen.",
            f"statement:{sid}:question": "Hvornår kom I?", f"statement:{sid}:answer": "Vi kom til [NAVN] kl. 18."}
    assert client.post(f"/cases/{reference}/actions", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Statement, sid).answer == "Vi kom til [NAVN] kl. 18."
        [edit] = db.session.query(CaseEvent).filter_by(action="edit").all()
        assert edit.detail == {"fields": [f"statement:{sid}:answer"]}


def test_a_note_with_a_cpr_number_on_a_closed_case_is_refused_and_its_finding_shown(app, client):
    with app.app_context():
        users = region()
        reference = close(users["rm"], personal_case(users["nurse"])).reference
    login(client, "rm@h.dk")
    form = {"csrf_token": csrf_token(client, f"/cases/{reference}"), "action": "comment",
            "text": "Patienten 170845-4321 har klaget"}
    response = client.post(f"/cases/{reference}/actions", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Sagen er anonymiseret" in page and "<mark>170845-4321</mark>" in page
    with app.app_context():
        assert db.session.query(CaseEvent).filter_by(action="comment").count() == 0


def test_a_reopen_reason_with_a_phone_number_is_refused_and_its_finding_shown(app, client):
    with app.app_context():
        users = region()
        reference = close(users["rm"], personal_case(users["nurse"])).reference
    login(client, "rm@h.dk")
    form = {"csrf_token": csrf_token(client, f"/cases/{reference}"), "action": "reopen",
            "comment": "Datteren ringede fra 29 38 47 56"}
    response = client.post(f"/cases/{reference}/actions", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Sagen er anonymiseret" in page and "<mark>29 38 47 56</mark>" in page
    with app.app_context():
        assert db.session.query(CaseEvent).filter_by(action="reopen").count() == 0
