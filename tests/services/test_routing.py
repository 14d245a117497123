"""Routing against the database: tree walk, rules, unrouted, involved orgs and cross-sector (SPEC §4)."""
from tests.factories import make_case, make_org, make_user
from uth.clock import utcnow
from uth.extensions import db
from uth.routing.admin import add_rule


def _region():
    make_org("R", "region")
    make_org("H", "hospital", parent="R")
    make_org("H-MED", "hospital", parent="H")
    make_org("H-MED-1", "hospital", parent="H-MED")
    make_org("K", "kommune")
    make_org("K-HJ", "kommune", parent="K")
    make_org("AP", "almen_praksis")


def test_routes_up_the_tree_to_the_first_org_with_a_risk_manager(ctx):
    _region()
    make_user("rm@h.dk", "risk_manager", "H")
    case, _ = make_case(event_org="H-MED-1")
    assert case.handling_org.code == "H"
    make_user("rm@med.dk", "risk_manager", "H-MED")
    case, _ = make_case(event_org="H-MED-1")
    assert case.handling_org.code == "H-MED"


def test_event_org_falls_back_to_reporting_org(ctx):
    _region()
    make_user("rm@k.dk", "risk_manager", "K")
    reporter = make_user("carer@k.dk", "reporter", "K-HJ")
    case, _ = make_case(reporter)
    assert case.event_org is None and case.reporting_org.code == "K-HJ"
    assert case.handling_org.code == "K"


def test_inactive_risk_manager_does_not_count(ctx):
    _region()
    user = make_user("rm@h.dk", "risk_manager", "H")
    user.active = False
    db.session.commit()
    case, _ = make_case(event_org="H-MED")
    assert case.handling_org is None


def test_unrouted_case_is_seen_by_central_risk_managers_above_only(ctx):
    from uth.reports.visibility import visible_cases
    _region()
    central = make_user("central@r.dk", "central_risk_manager", "R")
    other_central = make_user("central@k.dk", "central_risk_manager", "K")
    case, _ = make_case(event_org="H-MED")
    assert case.handling_org is None
    assert db.session.scalars(visible_cases(central)).all() == [case]
    assert db.session.scalars(visible_cases(other_central)).all() == []


def test_rule_precedence_and_disabled_rules(ctx):
    from uth.routing.admin import set_active
    _region()
    admin = make_user("admin@x.dk", "admin")
    make_user("rm@h.dk", "risk_manager", "H")
    make_user("rm@k.dk", "risk_manager", "K")
    make_user("rm@ap.dk", "risk_manager", "AP")
    first = add_rule(admin, {"name": "Medicin til kommunen", "event_type_prefix": "medicinering", "target_org": "K"}, now=utcnow())
    add_rule(admin, {"name": "Hospital til praksis", "sector": "hospital", "target_org": "AP"}, now=utcnow())
    db.session.commit()
    case, _ = make_case(event_org="H-MED", event_type="medicinering.administration.ikke_givet")
    assert case.handling_org.code == "K" and case.routing_rule_id == first.id
    case, _ = make_case(event_org="H-MED", event_type="fald")
    assert case.handling_org.code == "AP"
    set_active(admin, first.id, False, now=utcnow())
    db.session.commit()
    case, _ = make_case(event_org="H-MED", event_type="medicinering.administration.ikke_givet")
    assert case.handling_org.code == "AP"


def test_rule_for_public_reports(ctx):
    _region()
    admin = make_user("admin@x.dk", "admin")
    make_user("rm@h.dk", "risk_manager", "H")
    make_user("rm@k.dk", "risk_manager", "K")
    add_rule(admin, {"name": "Borgere", "reporter_kind": "public", "target_org": "K"}, now=utcnow())
    db.session.commit()
    public, _ = make_case(public=True, event_org="H-MED")
    staff, _ = make_case(event_org="H-MED")
    assert public.handling_org.code == "K" and not public.statutory
    assert staff.handling_org.code == "H" and staff.statutory


def test_involved_orgs_and_cross_sector(ctx):
    _region()
    make_user("rm@h.dk", "risk_manager", "H")
    case, _ = make_case(
        event_org="H-MED",
        transition={"type": "udskrivelse.epikrise", "from_org": "H-MED", "to_org": "AP"},
        involved_orgs=[{"org": "K-HJ", "role": "discovered"}, {"org": "H", "role": "involved"}],
    )
    involved = {(link.org.code, link.role) for link in case.involved}
    assert involved == {("K-HJ", "discovered"), ("H-MED", "involved"), ("AP", "involved")}
    assert case.cross_sector is True


def test_same_sector_is_not_cross_sector(ctx):
    _region()
    make_user("rm@h.dk", "risk_manager", "H")
    case, _ = make_case(event_org="H-MED-1", transition={"type": "overflytning", "from_org": "H-MED-1", "to_org": "H-MED"})
    assert case.cross_sector is False


def test_references_are_sequential_per_year(ctx):
    from datetime import datetime, timezone
    _region()
    first, _ = make_case(event_org="H")
    second, _ = make_case(event_org="H")
    assert (first.reference, second.reference) == ("UTH-2026-000001", "UTH-2026-000002")
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # already 2027 in Copenhagen
    third, _ = make_case(event_org="H", now=new_year, occurred_at="2026-12-31T20:00:00+00:00")
    assert third.reference == "UTH-2027-000001"


def test_a_change_made_through_another_app_or_by_hand_routes_the_next_report(app, sibling_app):
    """Each process caches the rules and which organisations have a risk manager; a change made on
    another worker or server (another app over the same database), or in SQL by hand, is seen by the
    very next submission."""
    from sqlalchemy import text

    from uth.auth.models import User

    other = sibling_app()

    def handled_by_other_app() -> str:
        with other.app_context():
            case, _ = make_case(event_org="H-MED")
            code = case.handling_org.code
            db.session.remove()
            return code

    with app.app_context():
        _region()
        admin_id = make_user("admin@x.dk", "admin").id
        make_user("rm@r.dk", "risk_manager", "R")
        rm_h = make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        rm_h_id = rm_h.id
        db.session.remove()
    assert handled_by_other_app() == "H"
    assert handled_by_other_app() == "H"  # read from its cache now
    with app.app_context():
        add_rule(db.session.get(User, admin_id), {"name": "Hospital til kommunen", "sector": "hospital", "target_org": "K"},
                 now=utcnow())
        db.session.commit()
    assert handled_by_other_app() == "K"
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE routing_rules SET active = :off"), {"off": False})
    assert handled_by_other_app() == "H"
    with app.app_context(), db.engine.begin() as conn:  # H's risk manager loses the grant: the walk goes on up
        conn.execute(text("UPDATE grants SET active = :off WHERE user_id = :user"), {"off": False, "user": rm_h_id})
    assert handled_by_other_app() == "R"
    with app.app_context(), db.engine.begin() as conn:  # and R's is switched off as a user
        conn.execute(text("UPDATE users SET active = :off WHERE email = 'rm@r.dk'"), {"off": False})
    with other.app_context():
        case, _ = make_case(event_org="H-MED")
        assert case.handling_org is None
        db.session.remove()


def test_a_rule_added_in_the_same_transaction_routes_the_report(ctx):
    _region()
    admin = make_user("admin@x.dk", "admin")
    make_user("rm@h.dk", "risk_manager", "H")
    make_user("rm@k.dk", "risk_manager", "K")
    case, _ = make_case(event_org="H-MED")
    assert case.handling_org.code == "H"
    add_rule(admin, {"name": "Hospital til kommunen", "sector": "hospital", "target_org": "K"}, now=utcnow())
    case, _ = make_case(event_org="H-MED")  # the rule is not committed before the report
    assert case.handling_org.code == "K"


def test_a_rule_rolled_back_after_routing_a_report_routes_nothing_later(app, sibling_app):
    """A transaction that adds a rule, routes a report by it and is rolled back leaves the other
    reports to the rules that were committed, also after the next committed change."""
    from sqlalchemy import text

    from tests.conftest import FIXED_NOW
    from tests.factories import report_data
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report

    other = sibling_app()
    with app.app_context():
        _region()
        admin = make_user("admin@x.dk", "admin")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        add_rule(admin, {"name": "Hospital til kommunen", "sector": "hospital", "target_org": "K"}, now=utcnow())
        data = parse_report(report_data(event_org="H-MED"), public=False, reporter=None, now=FIXED_NOW)
        case, _ = submit_report(None, data, now=FIXED_NOW)
        assert case.handling_org.code == "K"
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        with db.engine.begin() as conn:  # the next committed change (one row), before any other report
            conn.execute(text("UPDATE organisations SET name = 'Almen praksis' WHERE code = 'AP'"))
        assert make_case(event_org="H-MED")[0].handling_org.code == "H"
        db.session.remove()
    with other.app_context():
        assert make_case(event_org="H-MED")[0].handling_org.code == "H"
        db.session.remove()


def test_organisations_kept_per_process_follow_a_change_made_elsewhere(app, sibling_app):
    """The organisations a report names are kept per process (routing.services.organisations):
    a code or a name changed on another server counts at this one's next report."""
    import pytest
    from sqlalchemy import text

    from uth.errors import Invalid

    other = sibling_app()
    with app.app_context():
        _region()
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        case = make_case(event_org="H-MED")[0]
        assert (case.event_org.name, case.handling_org.code) == ("Org H-MED", "H")
        db.session.remove()
    with other.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE organisations SET code = 'H-MEDICIN', name = 'Medicinsk afdeling' WHERE code = 'H-MED'"))
    with app.app_context():
        with pytest.raises(Invalid):
            make_case(event_org="H-MED")
        db.session.rollback()
        case = make_case(event_org="H-MEDICIN")[0]
        assert (case.event_org.name, case.handling_org.code) == ("Medicinsk afdeling", "H")
        db.session.remove()
