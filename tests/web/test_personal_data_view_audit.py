"""Views of personal data leave an audit row (issue #15 item 16): the anonymisation page, which
shows the CPR numbers and names found in the text, and an action's JSON answer with the reporter."""
from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.extensions import db
from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region
from tests.conftest import login
from tests.factories import make_token


def _views(app):
    with app.app_context():
        return [(e.actor_label, e.detail) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.viewed").order_by(AuditEntry.id))]


def test_opening_the_anonymisation_page_is_audited(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"], description=f"{PATIENT_NAME} fik forkert dosis, cpr {PATIENT_CPR}.").reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/anonymisation")
    assert page.status_code == 200 and PATIENT_CPR in page.get_data(as_text=True)
    [(actor, detail)] = _views(app)
    assert actor == "rm@h.dk" and detail["reference"] == reference and detail["shown"] == ["anonymisation_findings"]
    assert PATIENT_CPR not in str(detail) and PATIENT_NAME not in str(detail)


def test_an_action_answer_showing_the_reporter_is_audited(app, client):
    with app.app_context():
        users = region()
        reference, token = personal_case(users["nurse"]).reference, make_token(users["rm"])
    response = client.post(f"/api/v1/cases/{reference}/actions", headers={"Authorization": f"Bearer {token}"},
                           json={"action": "acknowledge"})
    assert response.status_code == 200 and response.get_json()["reporter"]["phone"]
    assert _views(app) == [("rm@h.dk", {"reference": reference, "shown": ["reporter"]})]
