"""A region with a serious cross-sector case for the analysis (RCA) tests."""
from __future__ import annotations

from types import SimpleNamespace

from tests.factories import make_case, make_org, make_token, make_user

SERIOUS = {"actual_consequence": "serious", "possible_consequence": None,
           "title": "Insulin ikke givet efter udskrivelse",
           "transition": {"type": "udskrivelse", "from_org": "H-MED", "to_org": "K-HJ"}}


def make_rca_region() -> SimpleNamespace:
    """Hospital H (handles), kommune K (involved via the transition), kommune K2 (outsider);
    call inside an app context. Returns users, tokens and the serious case's reference."""
    make_org("H", "hospital", cluster="KL1")
    make_org("H-MED", "hospital", parent="H", cluster="KL1")
    make_org("K", "kommune", cluster="KL1")
    make_org("K-HJ", "kommune", parent="K", cluster="KL1")
    make_org("K2", "kommune", cluster="KL2")
    nurse = make_user("nurse@h.dk", "reporter", "H-MED")
    users = {
        "nurse": nurse,
        "rm_h": make_user("rm@h.dk", "risk_manager", "H", name="Rikke Risiko"),
        "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
        "rm_k2": make_user("rm@k2.dk", "risk_manager", "K2"),
    }
    serious, _ = make_case(nurse, event_org="H-MED", **SERIOUS)
    minor, _ = make_case(nurse, event_org="H-MED", title="Lille fejl", actual_consequence="minor", possible_consequence="minor")
    headers = {name: {"Authorization": f"Bearer {make_token(u)}"} for name, u in users.items()}
    return SimpleNamespace(headers=headers, serious=serious.reference, minor=minor.reference,
                           user_ids={n: u.id for n, u in users.items()})
