"""A small region with a user of every role and their API tokens."""
from types import SimpleNamespace

import pytest

from tests.factories import make_org, make_token, make_user


@pytest.fixture
def region(app):
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R", cluster="KL1")
        make_org("H-MED", "hospital", parent="H", cluster="KL1")
        make_org("K", "kommune", cluster="KL1")
        make_org("K-HJ", "kommune", parent="K", cluster="KL1")
        make_org("K2", "kommune", cluster="KL2")
        users = {
            "nurse": make_user("nurse@h.dk", "reporter", "H-MED"),
            "rm_h": make_user("rm@h.dk", "risk_manager", "H"),
            "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
            "rm_k2": make_user("rm@k2.dk", "risk_manager", "K2"),
            "central": make_user("central@r.dk", "central_risk_manager", "R"),
            "forum": make_user("forum@kl1.dk", "forum_member", "KL1"),
            "admin": make_user("admin@x.dk", "admin"),
        }
        tokens = {name: {"Authorization": f"Bearer {make_token(u)}"} for name, u in users.items()}
    return SimpleNamespace(headers=tokens)
