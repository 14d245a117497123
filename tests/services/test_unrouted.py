"""No case reaches nobody (SPEC §24): admins are told, a rule's type must exist, open unrouted cases are routed again."""
import pytest
from sqlalchemy import select

from tests.factories import make_case, make_org, make_user
from uth.audit.models import AuditEntry
from uth.clock import utcnow
from uth.errors import Invalid
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.routing.admin import add_rule


def _pharmacy_region():
    make_org("R", "region")
    make_org("H", "hospital", parent="R")
    make_org("APO", "apotek")  # outside the region's tree: no central risk manager above it
    make_org("K", "kommune")
    make_user("central@r.dk", "central_risk_manager", "R")
    make_user("rm@h.dk", "risk_manager", "H")
    make_user("rm@k.dk", "risk_manager", "K")
    return make_user("admin@x.dk", "admin"), make_user("admin2@x.dk", "admin")


def _mails(kind):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.to_address)).all()


def test_a_pharmacy_case_that_reaches_nobody_is_announced_to_every_admin(ctx):
    _pharmacy_region()
    case, _ = make_case(event_org="APO", event_type="medicinering.dispensering.forkert_dosis")
    assert case.handling_org is None
    mails = _mails("case_unrouted")
    assert [m.to_address for m in mails] == ["admin2@x.dk", "admin@x.dk"]
    assert case.reference in mails[0].subject and "forkert dosis" not in mails[0].body.lower()


def test_an_unrouted_case_a_central_risk_manager_sees_is_not_announced(ctx):
    _pharmacy_region()
    make_org("R-X", "hospital", parent="R")  # no risk manager in R or R-X: unrouted, but central@r.dk sees it
    case, _ = make_case(event_org="R-X")
    assert case.handling_org is None and _mails("case_unrouted") == []


def test_a_rule_whose_event_type_prefix_matches_no_code_is_refused(ctx):
    admin, _ = _pharmacy_region()
    with pytest.raises(Invalid) as err:
        add_rule(admin, {"name": "Apotek", "event_type_prefix": "medicin", "target_org": "K"}, now=utcnow())
    assert "event_type_prefix" in err.value.errors
    assert add_rule(admin, {"name": "Apotek", "event_type_prefix": "medicinering", "target_org": "K"}, now=utcnow()).id


def test_a_rule_without_conditions_must_be_asked_for_as_a_catch_all(ctx):
    admin, _ = _pharmacy_region()
    with pytest.raises(Invalid) as err:
        add_rule(admin, {"name": "Alt", "target_org": "K"}, now=utcnow())
    assert "conditions" in err.value.errors
    add_rule(admin, {"name": "Alt", "target_org": "K", "catch_all": "1"}, now=utcnow())
    db.session.commit()
    routed_by_tree, _ = make_case(event_org="H")
    pharmacy, _ = make_case(event_org="APO")
    assert routed_by_tree.handling_org.code == "H" and pharmacy.handling_org.code == "K"


def test_routing_the_unrouted_cases_after_a_rule_is_added(ctx):
    from uth.reports.rerouting import preview_rule, route_unrouted
    from uth.routing.services import stored_rule
    admin, _ = _pharmacy_region()
    pharmacy, _ = make_case(event_org="APO", event_type="medicinering.dispensering.forkert_dosis")
    other, _ = make_case(event_org="APO", event_type="fald")
    closed, _ = make_case(event_org="APO", event_type="medicinering")
    closed.status = "rejected"
    db.session.commit()
    rule = add_rule(admin, {"name": "Apotek medicin", "sector": "apotek", "event_type_prefix": "medicinering",
                            "target_org": "K"}, now=utcnow())
    preview = preview_rule(stored_rule(rule))
    assert [c.reference for c, org in preview.routed] == [pharmacy.reference] and preview.still_unrouted == 1
    routed = route_unrouted(admin, now=utcnow(), rule_id=rule.id)
    db.session.commit()
    assert routed == [pharmacy] and pharmacy.handling_org.code == "K" and pharmacy.owning_org.code == "K"
    assert other.handling_org is None and closed.handling_org is None
    assert [m.to_address for m in _mails("case_new")] == ["rm@k.dk"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.routed"))
    assert entry.case_id == pharmacy.id and entry.detail["handling_org"] == "K"


def test_route_unrouted_command(runner, app):
    with app.app_context():
        _pharmacy_region()
        make_case(event_org="APO")
        make_case(event_org="APO")
        add_rule(make_user("admin@x.dk"),
                 {"name": "Apotek", "sector": "apotek", "target_org": "K"}, now=utcnow())
        db.session.commit()
    result = runner.invoke(args=["uth", "route-unrouted"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "routed 2, still unrouted 0"
    with app.app_context():
        from uth.reports.models import Case
        assert {c.handling_org.code for c in db.session.scalars(select(Case))} == {"K"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.routed"))
        assert entry.actor_label.startswith("cli:")
