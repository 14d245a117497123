"""A small region for workflow tests: a hospital handles, a kommune answers, a second hospital takes transfers."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import FIXED_NOW
from tests.factories import make_org, make_token, make_user, report_data
from uth.auth.models import User
from uth.extensions import db
from uth.reports.models import Case
from uth.reports.services import submit_report
from uth.reports.validation import parse_report

USERS = {
    "nurse": ("nurse@h.dk", "reporter", "H-MED", "Sygeplejerske Hanne"),
    "rm_h": ("rm@h.dk", "risk_manager", "H", "Risikomanager Helle"),
    "rm_h_2": ("rm2@h.dk", "risk_manager", "H", "Risikomanager Holger"),
    "rm_h2": ("rm@h2.dk", "risk_manager", "H2", "Risikomanager Hugo"),
    "rm_k": ("rm@k.dk", "risk_manager", "K", "Risikomanager Karen"),
    "rm_k2": ("rm@k2.dk", "risk_manager", "K2", "Risikomanager Kurt"),
    "central": ("central@r.dk", "central_risk_manager", "R", "Central Rikke"),
}
EMAIL = {key: value[0] for key, value in USERS.items()}


def make_region() -> None:
    """Organisations and one user per part; call inside an app context."""
    make_org("R", "region", name="Region Test")
    make_org("H", "hospital", parent="R", cluster="KL1", name="Testhospitalet")
    make_org("H-MED", "hospital", parent="H", cluster="KL1", name="Medicinsk afdeling")
    make_org("H2", "hospital", parent="R", cluster="KL1", name="Andet Hospital")
    make_org("K", "kommune", cluster="KL1", name="Testkommune")
    make_org("K-HJ", "kommune", parent="K", cluster="KL1", name="Hjemmeplejen")
    make_org("K2", "kommune", cluster="KL2", name="Fjern Kommune")
    for email, role, scope, name in USERS.values():
        make_user(email, role, scope, name=name)


def user(key: str) -> User:
    return db.session.scalar(select(User).where(User.email == EMAIL[key]))


def case_by_ref(reference: str) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def hospital_case(anonymous: bool = False, **overrides) -> str:
    """A case the hospital handles, with the kommune's home care involved; returns its reference."""
    fields = {"transition": {"type": "udskrivelse", "from_org": "H-MED", "to_org": "K-HJ"},
              "patient": {"cpr": "0101901234", "name": "Jens Hansen"}, "reporter": {"anonymous": anonymous}}
    fields.update(overrides)
    data = parse_report(report_data(**fields), public=False, reporter=user("nurse"), now=FIXED_NOW)
    case, _ = submit_report(user("nurse"), data, now=FIXED_NOW)
    db.session.commit()
    return case.reference


def api_world(app) -> tuple[dict, str]:
    """The region, a bearer header per user and one open hospital case: (headers, reference)."""
    with app.app_context():
        make_region()
        headers = {key: {"Authorization": f"Bearer {make_token(user(key))}"} for key in EMAIL}
        ref = hospital_case(event_type="medicinering")
    return headers, ref


def post_action(client, headers, ref, action, **payload):
    """POST one case action through the API."""
    return client.post(f"/api/v1/cases/{ref}/actions", json={"action": action, **payload}, headers=headers)
