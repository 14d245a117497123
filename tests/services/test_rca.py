"""Analysis services against the database: permissions, status, history and the action-item sweep."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW
from tests.factories import make_case, make_user
from tests.rca_fixtures import make_rca_region
from uth.audit.models import AuditEntry
from uth.audit.services import pending_entries
from uth.auth.models import User
from uth.errors import Forbidden, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.rca.models import ActionItem, TimelineEntry
from uth.rca.parts import add_part
from uth.rca.services import create_analysis, get_analysis, remove_entry, set_status, update_action_item_status
from uth.rca.sweep import sweep_action_items
from uth.reports.models import Case

NOW = FIXED_NOW


@pytest.fixture
def region(ctx):
    return make_rca_region()


def user(email):
    return db.session.scalar(select(User).where(User.email == email))


def case(reference):
    return db.session.scalar(select(Case).where(Case.reference == reference))


def analysis_with_action(due_on, status="planned"):
    rm = user("rm@h.dk")
    analysis = create_analysis(rm, case("UTH-2026-000001"), "rca2", now=NOW)
    add_part(rm, analysis, "action_items", {"text": "Tjekliste ved udskrivelse", "strength": "intermediate",
                                            "responsible": "Afdelingssygeplejersken", "due_on": due_on.isoformat(),
                                            "status": status}, now=NOW)
    db.session.commit()
    return analysis


def test_visibility_follows_the_cases(region):
    analysis = create_analysis(user("rm@h.dk"), case(region.serious), "kaa", now=NOW)
    db.session.commit()
    assert get_analysis(user("rm@k.dk"), analysis.id) == analysis  # involved kommune (limited view)
    with pytest.raises(NotFound):
        get_analysis(user("rm@k2.dk"), analysis.id)
    with pytest.raises(NotFound):
        get_analysis(user("nurse@h.dk"), analysis.id)  # the reporter has no case role


def test_limited_viewer_of_a_single_sector_case_may_read_but_not_start(region):
    make_user("rm@h2.dk", "risk_manager", "K-HJ")
    same_sector, _ = make_case(user("nurse@h.dk"), event_org="H-MED", title="Ingen overgang", actual_consequence="serious",
                               possible_consequence=None, involved_orgs=[{"org": "H-MED", "role": "involved"}])
    assert same_sector.cross_sector is False
    with pytest.raises(Forbidden):
        create_analysis(user("rm@k2.dk"), same_sector, "kaa", now=NOW)


def test_creation_writes_history_and_audit(region):
    analysis = create_analysis(user("rm@h.dk"), case(region.serious), "event_analysis", now=NOW)
    db.session.commit()
    assert analysis.handling_org.code == "H" and analysis.title == case(region.serious).title
    assert [e.action for e in case(region.serious).events][-1] == "analysis_started"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "analysis.created")).object_id == analysis.id


def test_invalid_input_leaves_nothing(region):
    rm = user("rm@h.dk")
    with pytest.raises(Invalid) as err:
        create_analysis(rm, case(region.serious), "brainstorm", now=NOW)
    assert "method" in err.value.errors
    analysis = create_analysis(rm, case(region.serious), "kaa", now=NOW)
    with pytest.raises(Invalid):
        add_part(rm, analysis, "timeline", {"text": ""}, now=NOW)
    assert analysis.timeline == []


def test_approval_then_read_only(region):
    rm = user("rm@h.dk")
    analysis = create_analysis(rm, case(region.serious), "rca2", now=NOW)
    add_part(rm, analysis, "causal_statements", {"cause": "Ingen elektronisk epikrise, fordi integrationen manglede",
                                                 "effect": "hjemmeplejen kendte ikke ordinationen", "event": "insulin blev ikke givet"}, now=NOW)
    item = add_part(rm, analysis, "action_items", {"text": "Integration", "strength": "stronger", "responsible": "IT",
                                                   "due_on": "2027-03-01"}, now=NOW)
    set_status(rm, analysis, "in_review", now=NOW)
    set_status(rm, analysis, "approved", now=NOW)
    assert analysis.approved_by_id == rm.id and "analysis_approved" in [e.action for e in case(region.serious).events]
    with pytest.raises(InvalidTransition):
        add_part(rm, analysis, "team", {"name": "For sent"}, now=NOW)
    update_action_item_status(rm, analysis, item.id, "in_progress", now=NOW)
    assert item.status == "in_progress" and item.status_changed_at == NOW


def test_sweep_reports_each_overdue_action_item_once(region):
    make_user("rm2@h.dk", "risk_manager", "H")
    analysis = analysis_with_action(date(2026, 11, 20))
    assert sweep_action_items(NOW) == 1
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "action_overdue")).all()
    assert sorted(m.to_address for m in messages) == ["rm2@h.dk", "rm@h.dk"]
    assert "Tjekliste ved udskrivelse" in messages[0].body and "20-11-2026" in messages[0].body
    assert f"/analyses/{analysis.id}" in messages[0].body
    assert db.session.scalar(select(ActionItem.overdue_notified_at)) == NOW
    db.session.commit()
    assert sweep_action_items(NOW + timedelta(days=1)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "action_overdue")) == 2


def test_sweep_skips_items_due_today_and_finished_ones(region):
    analysis_with_action(date(2026, 11, 23))  # due today: overdue only after the day has ended
    analysis_with_action(date(2026, 11, 1), status="done")
    assert sweep_action_items(NOW) == 0
    assert sweep_action_items(NOW + timedelta(days=1)) == 1


def test_sweep_deadlines_command_runs_the_action_item_sweeper(app, runner):
    with app.app_context():
        make_rca_region()
        analysis_with_action(date(2026, 11, 2))
    result = runner.invoke(args=["uth", "sweep-deadlines", "--now", "2026-11-23T10:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "sweep_action_items: 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "action_overdue")) == 1


def test_removing_a_timeline_entry_closes_every_gap_and_commits_nothing(region):
    rm = user("rm@h.dk")
    analysis = create_analysis(rm, case(region.serious), "kaa", now=NOW)
    first = add_part(rm, analysis, "timeline", {"time_text": "Morgen", "text": "Stuegang"}, now=NOW)
    second = add_part(rm, analysis, "timeline", {"time_text": "Middag", "text": "Udskrivelse"}, now=NOW)
    add_part(rm, analysis, "timeline", {"time_text": "Aften", "text": "Ingen insulin", "position": "40"}, now=NOW)
    db.session.commit()
    later = NOW + timedelta(hours=2)
    remove_entry(rm, analysis, "timeline", second.id, now=later)
    assert [(e.text, e.position) for e in db.session.scalars(select(TimelineEntry).order_by(TimelineEntry.position))] == [
        ("Stuegang", 1), ("Ingen insulin", 2)]
    assert analysis.updated_at == later
    [audit] = [e for e in pending_entries() if e.action == "analysis.entry_removed"]  # inserted, chained, at commit
    assert audit.detail == {"part": "timeline", "entry_id": second.id} and audit.at == later
    db.session.rollback()  # the service never commits: the caller's transaction holds the change and its audit row
    assert db.session.scalar(select(func.count()).select_from(TimelineEntry)) == 3
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "analysis.entry_removed")) is None
    assert db.session.get(TimelineEntry, first.id).position == 1


def test_removing_is_refused_once_approved_and_for_unknown_entries(region):
    rm = user("rm@h.dk")
    analysis = create_analysis(rm, case(region.serious), "rca2", now=NOW)
    statement = add_part(rm, analysis, "causal_statements", {"cause": "Ingen elektronisk epikrise, fordi integrationen manglede",
                                                             "effect": "hjemmeplejen kendte ikke ordinationen",
                                                             "event": "insulin blev ikke givet"}, now=NOW)
    add_part(rm, analysis, "action_items", {"text": "Integration", "strength": "stronger", "responsible": "IT",
                                            "due_on": "2027-03-01"}, now=NOW)
    with pytest.raises(NotFound):
        remove_entry(rm, analysis, "team", statement.id, now=NOW)
    with pytest.raises(NotFound):
        remove_entry(rm, analysis, "cases", analysis.cases[0].id, now=NOW)
    set_status(rm, analysis, "in_review", now=NOW)
    set_status(rm, analysis, "approved", now=NOW)
    with pytest.raises(InvalidTransition):
        remove_entry(rm, analysis, "causal_statements", statement.id, now=NOW)
    assert analysis.causal_statements == [statement]
