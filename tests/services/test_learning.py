"""Learning summaries, statistics and batch counts against the database."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from uth.auth.services import find_user
from uth.errors import FindingsError, InvalidTransition, NotFound
from uth.extensions import db
from uth.learning import services
from uth.learning.batch import lock_month, save_counts
from uth.learning.models import LearningSummary
from uth.learning.stats import raw_counts, statistics
from tests.conftest import FIXED_NOW
from tests.factories import make_case
from tests.learning_region import closed_case, make_learning_region


@pytest.fixture
def region(ctx):
    make_learning_region()
    return ctx


def _user(email):
    return find_user(email)


def test_draft_from_closed_case_takes_its_classification_and_sectors(region):
    case = closed_case(transition={"type": "udskrivelse.epikrise", "from_org": "H-MED", "to_org": "K"})
    summary = services.create_summary_from_case(_user("rm@h.dk"), case, now=FIXED_NOW)
    db.session.commit()
    assert summary.status == "draft"
    assert summary.event_type == "overgange.information.epikrise"
    assert summary.transition_type == "udskrivelse.epikrise"
    assert summary.sector_pair == "hospital→kommune"
    assert summary.cluster.code == "KL1"
    assert summary.learning_points == "Send epikrisen elektronisk ved udskrivelse."


def test_open_case_or_case_outside_scope_is_refused(region):
    open_case, _ = make_case(_user("nurse@h.dk"), event_org="H-MED")
    with pytest.raises(InvalidTransition):
        services.create_summary_from_case(_user("rm@h.dk"), open_case, now=FIXED_NOW)
    with pytest.raises(NotFound):
        services.create_summary_from_case(_user("rm@k2.dk"), closed_case(), now=FIXED_NOW)


def test_aggregated_summary_keeps_the_common_event_type_prefix(region):
    first = closed_case(event_type="overgange.information.epikrise")
    second = closed_case(event_type="overgange.information.udskrivningsrapport")
    summary = services.create_summary_from_cases(_user("rm@h.dk"), [first, second], now=FIXED_NOW)
    assert summary.event_type == "overgange.information"
    assert summary.title == "Samlet læring fra 2 sager"
    assert [c.id for c in summary.cases] == [first.id, second.id]


def test_publication_is_refused_while_a_name_of_a_user_on_the_case_remains(region):
    summary = services.create_summary_from_case(_user("rm@h.dk"), closed_case(), now=FIXED_NOW)
    services.update_summary(_user("rm@h.dk"), summary, {"summary": "Sofie Hansen glemte at sende epikrisen; ring 22 33 44 55."},
                            now=FIXED_NOW)
    with pytest.raises(FindingsError) as err:
        services.publish_summary(_user("rm@h.dk"), summary, now=FIXED_NOW)
    kinds = {f["kind"] for f in err.value.findings}
    assert kinds == {"name", "phone"} and all(f["field"] == "summary" for f in err.value.findings)
    assert summary.status == "draft"

    phone = next(f["id"] for f in err.value.findings if f["kind"] == "phone")
    services.update_summary(_user("rm@h.dk"), summary, {"summary": "En sygeplejerske glemte at sende epikrisen; ring 22 33 44 55."},
                            now=FIXED_NOW)
    services.publish_summary(_user("rm@h.dk"), summary, now=FIXED_NOW, not_personal=[phone])
    assert summary.status == "published" and summary.published_at == FIXED_NOW
    with pytest.raises(InvalidTransition):
        services.update_summary(_user("rm@h.dk"), summary, {"title": "Ny"}, now=FIXED_NOW)


def _published(visibility: str, title: str, reporter="nurse@h.dk", rm="rm@h.dk", **case_fields):
    summary = services.create_summary_from_case(_user(rm), closed_case(reporter, **case_fields), now=FIXED_NOW)
    services.update_summary(_user(rm), summary, {"title": title, "visibility": visibility}, now=FIXED_NOW)
    services.publish_summary(_user(rm), summary, now=FIXED_NOW)
    db.session.commit()
    return summary


def test_cluster_summaries_reach_only_their_forum_and_national_ones_reach_all(region):
    _published("cluster", "Klynge 1 læring")
    _published("national", "National læring")
    make_case(_user("rm@k2.dk"), event_org="K2")  # an open case elsewhere changes nothing
    titles = lambda email: {s.title for s in services.search_summaries(_user(email), None)}  # noqa: E731
    assert titles("forum1@kl1.dk") == {"Klynge 1 læring", "National læring"}
    assert titles("forum2@kl2.dk") == {"National læring"}
    assert titles("rm@k2.dk") == {"National læring"}
    assert titles("central@r.dk") == {"Klynge 1 læring", "National læring"}
    assert titles("nurse@h.dk") == set()


def test_retracted_summaries_leave_the_forum(region):
    summary = _published("national", "Trukket tilbage")
    services.retract_summary(_user("rm@h.dk"), summary, now=FIXED_NOW)
    assert services.search_summaries(_user("forum2@kl2.dk"), None) == []
    with pytest.raises(NotFound):
        services.get_summary(_user("forum2@kl2.dk"), summary.id)


def test_search_matches_words_and_filters(region):
    _published("national", "Epikrise til egen læge", transition={"type": "udskrivelse.epikrise", "from_org": "H-MED", "to_org": "K"})
    _published("national", "Fald på badeværelset", event_type="fald.uden_skade")
    member = _user("forum2@kl2.dk")
    assert [s.title for s in services.search_summaries(member, "EPIKRISE læge")] == ["Epikrise til egen læge"]
    assert [s.title for s in services.search_summaries(member, None, {"event_type": "fald"})] == ["Fald på badeværelset"]
    assert [s.title for s in services.search_summaries(member, None, {"transition_type": "udskrivelse"})] == ["Epikrise til egen læge"]
    assert [s.title for s in services.search_summaries(member, None, {"sector_pair": "hospital→kommune"})] == ["Epikrise til egen læge"]
    assert services.search_summaries(member, "100%_") == []


def _cases(n: int, **fields):
    for _ in range(n):
        closed_case(**fields)


def test_forum_statistics_count_their_cluster_only_and_suppress_small_cells(region):
    _cases(6, event_type="overgange.information.epikrise")
    _cases(2, event_type="fald.uden_skade")
    make_case(_user("rm@k2.dk"), event_org="K2")  # cluster KL2
    counts = raw_counts(_user("forum1@kl1.dk"), "event_type")
    assert counts == {"fald": 2, "overgange": 6}
    table = statistics(_user("forum1@kl1.dk"), "event_type")
    assert {r.key: r.count for r in table.rows} == {"fald": None, "overgange": None}
    assert table.total == 8
    assert raw_counts(_user("forum2@kl2.dk"), "event_type") == {"none": 1}


def test_a_total_never_reveals_a_suppressed_cell(region):
    _cases(7, event_type="overgange.information.epikrise")
    _cases(5, event_type="medicinering.administration.ikke_givet")
    _cases(1, event_type="fald.uden_skade")
    table = statistics(_user("central@r.dk"), "event_type")
    visible = sum(r.count for r in table.rows if r.count is not None)
    hidden = table.total - visible
    assert any(r.count is None for r in table.rows)
    assert hidden == 0 or hidden >= 5


def test_batch_counts_feed_event_type_and_month(region):
    _cases(5, event_type="fald.uden_skade")
    save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): "4", ("H-MED", "medicin_ikke_givet"): "9"}, now=FIXED_NOW)
    db.session.commit()
    counts = raw_counts(_user("forum1@kl1.dk"), "event_type")
    assert counts == {"fald": 9, "medicinering": 9}
    months = raw_counts(_user("forum1@kl1.dk"), "month")
    assert months == {"2026-10": 13, "2026-11": 5}
    assert raw_counts(_user("forum1@kl1.dk"), "severity") == {"serious_risk": 5}


def test_locked_month_refuses_changes(region):
    save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 3}, now=FIXED_NOW)
    lock_month(_user("rm@h.dk"), "H", date(2026, 10, 1), now=FIXED_NOW)
    with pytest.raises(InvalidTransition):
        save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 4}, now=FIXED_NOW)
    save_counts(_user("nurse@h.dk"), date(2026, 11, 1), {("H-MED", "fald"): 4}, now=FIXED_NOW)
    with pytest.raises(NotFound):
        save_counts(_user("nurse@h.dk"), date(2026, 11, 1), {("K2", "fald"): 4}, now=FIXED_NOW)


def test_month_filter_uses_danish_months(region):
    closed_case(received_at=datetime(2026, 9, 30, 22, 30, tzinfo=timezone.utc))  # 1 October in Copenhagen
    closed_case(received_at=datetime(2026, 9, 15, 12, 0, tzinfo=timezone.utc))
    actor = _user("central@r.dk")
    assert raw_counts(actor, "month", from_month=date(2026, 10, 1), to_month=date(2026, 11, 1)) == {"2026-10": 1, "2026-11": 0}
    assert db.session.scalar(select(LearningSummary.id)) is None
