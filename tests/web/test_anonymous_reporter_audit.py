"""An anonymous reporter stays anonymous in the audit trail (issue #15 item 5, SPEC §3): `case.created`
names no account and no address that admins or, after a transfer, another organisation's central
risk manager could read; the owning organisation's risk manager still sees the reporter on the case."""
import pytest

from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from tests.conftest import FIXED_NOW, login, logout
from tests.factories import make_case, make_org, make_token, make_user, report_data


@pytest.fixture
def transferred(app):
    with app.app_context():
        make_org("H", "hospital")
        make_org("K", "kommune")
        nurse = make_user("nanna.anonym@h.dk", "reporter", "H", name="Nanna Anonym")
        rm_h = make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        central_k = make_user("central@k.dk", "central_risk_manager", "K")
        admin = make_user("admin@x.dk", "admin")
        data = parse_report(report_data(event_org="H", reporter={"anonymous": True}), public=False, reporter=nurse,
                            now=FIXED_NOW)
        case, _ = submit_report(nurse, data, now=FIXED_NOW)
        assert case.reporter_anonymous
        perform(rm_h, case, "transfer", {"org": "K", "comment": "Hændelsen skete i hjemmeplejen"}, now=FIXED_NOW)
        db.session.commit()
        return {"reference": case.reference, "central_k": make_token(central_k), "admin": make_token(admin)}


def test_no_trail_reader_learns_who_reported_anonymously(client, transferred):
    reference = transferred["reference"]
    for who in ("central_k", "admin"):
        response = client.get(f"/api/v1/cases/{reference}/audit", headers={"Authorization": f"Bearer {transferred[who]}"})
        assert response.status_code == 200, who
        created = [e for e in response.get_json()["items"] if e["action"] == "case.created"]
        assert created and created[0]["actor"] == "anonymous" and created[0]["ip"] is None, who
        assert "nanna" not in response.get_data(as_text=True).lower(), who
    for email in ("central@k.dk", "admin@x.dk"):
        login(client, email)
        for page in (f"/audit?reference={reference}", f"/audit.csv?reference={reference}"):
            html = client.get(page).get_data(as_text=True)
            assert "case.created" in html and "nanna" not in html.lower(), (email, page)
        assert reference not in client.get("/audit?actor=nanna").get_data(as_text=True)  # no filtering by the reporter either
        logout(client)


def test_a_named_staff_report_still_names_its_reporter(app, client):
    with app.app_context():
        make_org("H", "hospital")
        nurse = make_user("nurse@h.dk", "reporter", "H")
        admin = make_user("admin@x.dk", "admin")
        case, _ = make_case(nurse, event_org="H")
        reference, token = case.reference, make_token(admin)
    items = client.get(f"/api/v1/cases/{reference}/audit", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [e["actor"] for e in items if e["action"] == "case.created"] == ["nurse@h.dk"]
