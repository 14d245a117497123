"""The patient's name and CPR show only after a purpose is given, once per case and session, and every
view is audited with that purpose (Sundhedsloven § 198, stk. 3; SPEC §13)."""
from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.extensions import db
from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region
from tests.conftest import csrf_token, login, logout


def _views(app):
    with app.app_context():
        return [(e.actor_label, e.purpose) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.personal_data_viewed").order_by(AuditEntry.id))]


def test_purpose_asked_once_per_case_and_session(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Hvorfor åbner du personoplysningerne?" in page
    assert PATIENT_CPR not in page and PATIENT_NAME not in page
    assert _views(app) == []
    token = csrf_token(client, f"/cases/{reference}")
    response = client.post(f"/cases/{reference}/personal-data", data={"purpose": "andet", "purpose_text": "", "csrf_token": token})
    assert response.status_code == 302 and PATIENT_CPR not in client.get(f"/cases/{reference}").get_data(as_text=True)
    client.post(f"/cases/{reference}/personal-data", data={"purpose": "analyse", "csrf_token": token})
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert PATIENT_CPR in page and PATIENT_NAME in page and "Hvorfor åbner du" not in page
    client.get(f"/cases/{reference}")
    assert _views(app) == [("rm@h.dk", "Analyse af hændelsen")] * 2


def test_new_session_asks_again(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    login(client, "rm@h.dk")
    client.post(f"/cases/{reference}/personal-data", data={"purpose": "sagsbehandling", "csrf_token": csrf_token(client, f"/cases/{reference}")})
    logout(client)
    login(client, "rm@h.dk")
    assert PATIENT_CPR not in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_purpose_needs_csrf_and_full_view(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    login(client, "rm@h.dk")
    assert client.post(f"/cases/{reference}/personal-data", data={"purpose": "analyse"}).status_code == 400
    logout(client)
    login(client, "rm@k.dk")  # involved kommune: limited view, no patient data
    token = csrf_token(client, f"/cases/{reference}")
    assert client.post(f"/cases/{reference}/personal-data", data={"purpose": "analyse", "csrf_token": token}).status_code == 404
