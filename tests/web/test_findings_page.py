"""The anonymisation check page: findings marked in the text; redact all goes through `edit` (SPEC §5, §8)."""
from tests.anon_cases import PATIENT_CPR, PATIENT_NAME, personal_case, region
from tests.conftest import csrf_token, login


def test_findings_are_marked_and_redact_all_clears_them(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"], description=f"{PATIENT_NAME} fik forkert dosis, cpr {PATIENT_CPR}.").reference
    login(client, "rm@h.dk")
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert f'<mark title="name">{PATIENT_NAME}</mark>' in page and f'<mark title="cpr">{PATIENT_CPR}</mark>' in page
    assert 'name="not_personal"' in page
    token = csrf_token(client, f"/cases/{reference}/anonymisation")
    assert client.post(f"/cases/{reference}/anonymisation/redact", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/cases/{reference}/anonymisation").get_data(as_text=True)
    assert "Ingen fund" in page and PATIENT_CPR not in page
    assert "[NAVN] fik forkert dosis, cpr [CPR]." in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_only_handlers_open_the_page(app, client):
    with app.app_context():
        reference = personal_case(region()["nurse"]).reference
    login(client, "rm@k.dk")
    assert client.get(f"/cases/{reference}/anonymisation").status_code == 404
