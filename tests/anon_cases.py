"""Cases with distinctive personal data, closed through the real close path (anonymisation tests)."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import FIXED_NOW
from tests.factories import make_org, make_user, report_data
from uth.extensions import db
from uth.handling.actions import perform
from uth.reports.services import submit_report
from uth.reports.validation import parse_report

PATIENT_NAME = "Xenia Quistgaard"
PATIENT_CPR = "170845-4321"
REPORTER_PHONE = "29384756"
# Every form of the personal data the cases below carry, as an export could leak it.
PERSONAL_STRINGS = (PATIENT_NAME, "Quistgaard", PATIENT_CPR, PATIENT_CPR.replace("-", ""), REPORTER_PHONE,
                    "nurse@h.dk", "Nanna")


def assert_no_personal_data(exported: str) -> None:
    """No byte of an export holds the patient's name or CPR, or the reporter's name, e-mail or phone."""
    for secret in PERSONAL_STRINGS:
        assert secret not in exported and secret.lower() not in exported.lower(), secret


def region():
    """A hospital under a region, a kommune, their risk managers and a reporter; returns users."""
    make_org("R", "region")
    make_org("H", "hospital", parent="R")
    make_org("K", "kommune", parent="R")
    return {
        "rm": make_user("rm@h.dk", "risk_manager", "H", name="Rikke Mortensen"),
        "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
        "central": make_user("central@r.dk", "central_risk_manager", "R"),
        "admin": make_user("admin@x.dk", "admin"),
        "nurse": make_user("nurse@h.dk", "reporter", "H", name="Nanna Sygeplejerske"),
    }


def personal_case(reporter, now=FIXED_NOW, **overrides):
    """A committed case carrying the distinctive patient name, CPR and reporter phone."""
    fields = dict(occurred_at=(now - timedelta(days=1)).isoformat(), event_org="H", patient={"cpr": PATIENT_CPR, "name": PATIENT_NAME},
                  reporter={"phone": REPORTER_PHONE, "profession": "sygeplejerske"},
                  transition={"type": "udskrivelse", "from_org": "H", "to_org": "K"})
    fields.update(overrides)
    data = parse_report(report_data(**fields), public=False, reporter=reporter, now=now, allow_received_at=True)
    case, _ = submit_report(reporter, data, now=now)
    db.session.commit()
    return case


def close(handler, case, now=FIXED_NOW, event_type=None, **payload):
    """Assign, classify (as `event_type`, or the first code) and close through the workflow and commit
    (the commit purges the storage files)."""
    from uth.taxonomy.services import codes

    perform(handler, case, "assign", {"assignee": handler.email}, now=now)
    perform(handler, case, "classify", {"event_type": event_type or sorted(codes("event_types"))[0]}, now=now)
    body = {"conclusion": "Epikrisen blev sendt for sent.", "learning": "Send epikrise ved udskrivelse."}
    body.update(payload)
    perform(handler, case, "close", body, now=now + timedelta(hours=1))
    db.session.commit()
    return case
