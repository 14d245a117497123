"""An unrouted case transferred by a central risk manager: the receiving organisation owns it."""
from tests.factories import make_org, make_user, report_data
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.presenters import case_json
from uth.reports.services import submit_report
from uth.reports.validation import parse_report


def test_first_organisation_to_handle_an_unrouted_case_owns_the_anonymous_reporter(ctx, now):
    make_org("R", "region")
    make_org("H", "hospital", parent="R")
    make_org("H2", "hospital", parent="R")
    central = make_user("central@r.dk", "central_risk_manager", "R")
    make_user("rm@h2.dk", "risk_manager", "H2")
    nurse = make_user("nurse@h.dk", "reporter", "H")
    data = parse_report(report_data(event_org="H", reporter={"anonymous": True}), public=False, reporter=nurse, now=now)
    case, _ = submit_report(nurse, data, now=now)
    db.session.commit()
    assert case.handling_org is None and case.owning_org is None
    perform(central, case, "transfer", {"org": "H2", "comment": "Hører til H2"}, now=now)
    db.session.commit()
    assert case.owning_org.code == "H2"
    rm_h2 = make_user("rm@h2.dk")
    assert case_json(case, rm_h2, now)["reporter"]["email"] == "nurse@h.dk"
