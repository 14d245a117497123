"""The search scope (`visible_case_ids`) is the same set of cases as the visibility rule every list
and case page uses, for every kind of actor and filter, whichever SQL form it takes."""
import pytest
from sqlalchemy import select

from tests.factories import make_case, make_org, make_user
from uth.extensions import db
from uth.reports.models import Case
from uth.reports.visibility import visible_case_ids, visible_cases_clause


@pytest.fixture
def region(ctx):
    make_org("R", "region")
    make_org("H", "hospital", parent="R")
    make_org("H-MED", "hospital", parent="H")
    make_org("H2", "hospital", parent="R")
    make_org("K", "kommune", parent="R")
    make_org("K-HJ", "kommune", parent="K")
    make_org("R-P", "almen_praksis", parent="R")  # no risk manager on the way up: unrouted
    make_org("X", "kommune")  # another region
    actors = {
        "rm_h": make_user("rm@h.dk", "risk_manager", "H"),
        "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
        "rm_x": make_user("rm@x.dk", "risk_manager", "X"),
        "central": make_user("central@r.dk", "central_risk_manager", "R"),
        "both": make_user("both@k.dk", "risk_manager", "K", ("central_risk_manager", "H")),
        "forum": make_user("forum@r.dk"),
    }
    make_user("rm@h2.dk", "risk_manager", "H2")
    hand_over = {"type": "udskrivelse", "from_org": "H-MED", "to_org": "K-HJ"}
    make_case(event_org="H-MED", transition=hand_over, event_type="medicinering")
    make_case(event_org="K-HJ", event_type="fald")
    make_case(event_org="H2", transition={"type": "udskrivelse", "from_org": "H2", "to_org": "K-HJ"})
    make_case(event_org="R-P")  # unrouted
    make_case(event_org="R-P", transition={"type": "henvisning", "from_org": "R-P", "to_org": "K-HJ"})  # unrouted, K involved
    make_case(event_org="X", event_type="fald")
    closed = make_case(event_org="H-MED", event_type="fald")[0]
    closed.status = "closed"
    db.session.commit()
    return actors


CONDITIONS = {
    "none": (),
    "status": (Case.status == "new",),
    "event type": (Case.event_type == "fald",),
    "both": (Case.status == "new", Case.event_type == "fald"),
}


@pytest.mark.parametrize("who", ["rm_h", "rm_k", "rm_x", "central", "both", "forum"])
@pytest.mark.parametrize("conditions", list(CONDITIONS))
def test_search_scope_equals_the_visibility_rule(region, who, conditions):
    actor, extra = region[who], CONDITIONS[conditions]
    expected = set(db.session.scalars(select(Case.id).where(visible_cases_clause(actor), *extra)))
    assert set(db.session.execute(visible_case_ids(actor, *extra)).scalars()) == expected


def test_the_region_gives_every_actor_something_to_check(region):
    """The fixture is only a check if the actors see different, non-trivial sets."""
    seen = {who: len(set(db.session.execute(visible_case_ids(actor)).scalars())) for who, actor in region.items()}
    assert seen == {"rm_h": 2, "rm_k": 4, "rm_x": 1, "central": 6, "both": 5, "forum": 0}


def test_only_a_central_risk_manager_over_every_tree_sees_every_case(region):
    from uth.reports.visibility import sees_every_case

    assert [who for who, actor in region.items() if sees_every_case(actor)] == []  # X lies outside R
    everywhere = make_user("central@x.dk", "central_risk_manager", "R", ("central_risk_manager", "X"))
    assert sees_every_case(everywhere)
    every_id = set(db.session.scalars(select(Case.id)))
    assert set(db.session.scalars(select(Case.id).where(visible_cases_clause(everywhere)))) == every_id


def test_searching_every_case_gives_the_engine_no_id_list(region, monkeypatch):
    """For the central risk manager over everything, unfiltered: no ids are read to allow them all;
    with a filter, the ids are read as for everyone."""
    from uth.search import services
    from uth.search.indexing import get_backend, reindex_cases_now

    everywhere = make_user("central@x.dk", "central_risk_manager", "R", ("central_risk_manager", "X"))
    reindex_cases_now(set(db.session.scalars(select(Case.id))), wait=None)
    backend, seen = get_backend(), []
    search = backend.search
    monkeypatch.setattr(backend, "search", lambda *a, **kw: (seen.append(kw["allowed"]), search(*a, **kw))[1])
    total, _ = services.search_cases(everywhere, "epikrise")
    assert seen == [None] and total == 7
    total, _ = services.search_cases(everywhere, "epikrise", services.SearchFilters(status=["closed"]))
    assert seen[-1] is not None and total == 1
    total, _ = services.search_cases(region["central"], "epikrise")
    assert seen[-1] is not None and total == 6
