"""Test data for the learning feature: two forums (clusters), their risk managers and closed cases."""
from __future__ import annotations

from datetime import datetime, timedelta

from uth.extensions import db
from tests.conftest import FIXED_NOW
from tests.factories import make_case, make_org, make_user


def make_learning_region() -> None:
    """Cluster KL1: hospital H and kommune K; cluster KL2: kommune K2; region R above H."""
    make_org("R", "region")
    make_org("H", "hospital", parent="R", cluster="KL1")
    make_org("H-MED", "hospital", parent="H", cluster="KL1")
    make_org("K", "kommune", cluster="KL1")
    make_org("K2", "kommune", cluster="KL2")
    make_user("nurse@h.dk", "reporter", "H-MED", name="Sofie Hansen")
    make_user("rm@h.dk", "risk_manager", "H", name="Rikke Madsen")
    make_user("rm@k2.dk", "risk_manager", "K2")
    make_user("central@r.dk", "central_risk_manager", "R")
    make_user("forum1@kl1.dk", "forum_member", "KL1")
    make_user("forum2@kl2.dk", "forum_member", "KL2")


def closed_case(reporter_email: str = "nurse@h.dk", *, received_at: datetime | None = None, conclusion: str = "Epikrisen blev ikke sendt.",
                learning: str = "Send epikrisen elektronisk ved udskrivelse.", event_type: str = "overgange.information.epikrise", **overrides):
    """A case handled and closed (the close itself is the workflow feature's: here its end state)."""
    from uth.auth.services import find_user

    received_at = received_at or FIXED_NOW - timedelta(days=3)
    data = {"event_org": "H-MED", "received_at": received_at.isoformat(), "occurred_at": (received_at - timedelta(days=1)).isoformat()}
    data.update(overrides)
    case, _ = make_case(find_user(reporter_email), now=received_at, **data)
    case.status, case.closed_at = "closed", FIXED_NOW
    case.event_type, case.conclusion, case.learning = event_type, conclusion, learning
    case.patient_name = case.patient_cpr = case.reporter_name = case.reporter_email = None
    db.session.commit()
    return case
