"""Learning summaries, statistics and batch counts against the database."""
import inspect
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from uth.auth.models import Organisation
from uth.auth.services import find_user
from uth.errors import FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.learning import services
from uth.learning.batch import lock_month, parse_month, save_counts
from uth.learning.models import BatchCount
from uth.learning.stats import DIMENSIONS, available_years, parse_year, raw_counts, statistics
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
    counts = raw_counts(_user("forum1@kl1.dk"), "event_type", year=2026)
    assert counts == {"fald": 2, "overgange": 6}
    table = statistics(_user("forum1@kl1.dk"), "event_type", year=2026)
    assert {r.key: r.count for r in table.rows} == {"fald": None, "overgange": None}
    assert table.total == 8
    assert raw_counts(_user("forum2@kl2.dk"), "event_type", year=2026) == {"none": 1}


def test_a_total_never_reveals_a_suppressed_cell(region):
    _cases(7, event_type="overgange.information.epikrise")
    _cases(5, event_type="medicinering.administration.ikke_givet")
    _cases(1, event_type="fald.uden_skade")
    table = statistics(_user("central@r.dk"), "event_type", year=2026)
    visible = sum(r.count for r in table.rows if r.count is not None)
    hidden = table.total - visible
    assert any(r.count is None for r in table.rows)
    assert hidden == 0 or hidden >= 5


def test_batch_counts_feed_every_dimension_so_all_totals_agree(region):
    _cases(5, event_type="fald.uden_skade")
    save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): "4", ("H-MED", "medicin_ikke_givet"): "9"}, now=FIXED_NOW)
    db.session.commit()
    forum = _user("forum1@kl1.dk")
    assert raw_counts(forum, "event_type", year=2026) == {"fald": 9, "medicinering": 9}
    months = raw_counts(forum, "month", year=2026)
    assert months["2026-10"] == 13 and months["2026-11"] == 5
    assert raw_counts(forum, "severity", year=2026) == {"serious_risk": 5, "none": 13}
    assert raw_counts(forum, "transition", year=2026)["none"] >= 13
    totals = {by: statistics(forum, by, year=2026).total for by in DIMENSIONS}
    assert totals == dict.fromkeys(DIMENSIONS, 18)  # a difference would reveal the batch total


def test_batch_counts_below_the_threshold_cannot_be_read_from_totals(region):
    _cases(6, event_type="fald.uden_skade")
    save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): "2"}, now=FIXED_NOW)
    db.session.commit()
    forum = _user("forum1@kl1.dk")
    assert {statistics(forum, by, year=2026).total for by in DIMENSIONS} == {8}


def test_locked_month_refuses_changes(region):
    save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 3}, now=FIXED_NOW)
    lock_month(_user("rm@h.dk"), "H", date(2026, 10, 1), now=FIXED_NOW)
    with pytest.raises(InvalidTransition):
        save_counts(_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 4}, now=FIXED_NOW)
    save_counts(_user("nurse@h.dk"), date(2026, 11, 1), {("H-MED", "fald"): 4}, now=FIXED_NOW)
    with pytest.raises(NotFound):
        save_counts(_user("nurse@h.dk"), date(2026, 11, 1), {("K2", "fald"): 4}, now=FIXED_NOW)


def test_statistics_are_per_calendar_year_in_danish_time(region):
    closed_case(received_at=datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc))  # 1 January 2026 in Copenhagen
    closed_case(received_at=datetime(2025, 12, 31, 12, 0, tzinfo=timezone.utc))
    closed_case(received_at=datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc))
    save_counts(_user("nurse@h.dk"), date(2025, 12, 1), {("H-MED", "fald"): "7"}, now=FIXED_NOW)
    actor = _user("central@r.dk")
    months = raw_counts(actor, "month", year=2026)
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 13)]  # exactly the year's months, zeros included
    assert months["2026-01"] == 1 and months["2026-03"] == 1 and sum(months.values()) == 2
    earlier = raw_counts(actor, "month", year=2025)
    assert list(earlier) == [f"2025-{m:02d}" for m in range(1, 13)] and earlier["2025-12"] == 8
    assert raw_counts(actor, "event_type", year=2025) == {"fald": 7, "overgange": 1}
    assert raw_counts(actor, "event_type", year=2026) == {"overgange": 2}
    assert list(raw_counts(actor, "month", year=2024).values()) == [0] * 12
    assert available_years(actor, FIXED_NOW) == [2025, 2026]


def test_the_period_is_a_year_never_a_month_range():
    assert parse_year({}, FIXED_NOW) == 2026
    assert parse_year({"year": "2000"}, FIXED_NOW) == 2000
    assert parse_year({"year": " 2025 "}, FIXED_NOW) == 2025
    for bad in ("1999", "2027", "0026", "20261", "abc", "2025.0", "-2025", "２０２５"):
        with pytest.raises(Invalid) as err:
            parse_year({"year": bad}, FIXED_NOW)
        assert set(err.value.errors) == {"year"}
    for retired in ("from", "to"):
        with pytest.raises(Invalid) as err:
            parse_year({retired: "2026-10"}, FIXED_NOW)
        assert set(err.value.errors) == {retired}
    assert "from_month" not in inspect.signature(raw_counts).parameters
    assert [p for p in inspect.signature(statistics).parameters if p not in ("actor", "by")] == ["year"]


def test_odd_stored_batch_months_do_not_break_the_statistics(region):
    h_med = db.session.scalar(select(Organisation).where(Organisation.code == "H-MED"))
    for month in (date(26, 10, 1), date(1026, 10, 1)):  # saved before months were checked
        db.session.add(BatchCount(org_id=h_med.id, month=month, kind="fald", count=3, updated_at=FIXED_NOW))
    db.session.commit()
    closed_case()
    actor = _user("central@r.dk")
    assert sum(raw_counts(actor, "month", year=2026).values()) == 1
    assert all(statistics(actor, by, year=2026).rows for by in DIMENSIONS)
    assert available_years(actor, FIXED_NOW) == [2026]


def test_batch_months_are_real_months_from_2000_to_now(region):
    nurse = _user("nurse@h.dk")
    for month in (date(26, 10, 1), date(1026, 10, 1), date(1999, 12, 1), date(2026, 12, 1)):
        with pytest.raises(Invalid) as err:
            save_counts(nurse, month, {("H-MED", "fald"): "1"}, now=FIXED_NOW)
        assert set(err.value.errors) == {"month"}
    for raw in ("0026-10", "1026-10", "1999-12", "0000-10", "2026-13", "26-10"):
        with pytest.raises(Invalid) as err:
            parse_month(raw)
        assert set(err.value.errors) == {"month"}
    assert parse_month("2000-01") == date(2000, 1, 1)
    assert save_counts(nurse, date(2000, 1, 1), {("H-MED", "fald"): "1"}, now=FIXED_NOW) == 1


def test_batch_counts_are_whole_numbers_up_to_100000(region):
    nurse = _user("nurse@h.dk")
    for raw in ("999999999999999999999", "2147483648", "100001", "-1", "1.5", True):
        with pytest.raises(Invalid) as err:
            save_counts(nurse, date(2026, 10, 1), {("H-MED", "fald"): raw}, now=FIXED_NOW)
        assert err.value.errors == {"H-MED_fald": ["Skal være et helt tal fra 0 til 100000"]}
    save_counts(nurse, date(2026, 10, 1), {("H-MED", "fald"): "100000", ("H-MED", "medicin_ikke_givet"): 0}, now=FIXED_NOW)
    db.session.commit()
    assert {r.count for r in db.session.scalars(select(BatchCount))} == {100000, 0}
