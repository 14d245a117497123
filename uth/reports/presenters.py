"""Case JSON (SPEC §14) and the values the queue and case page show."""
from __future__ import annotations

from datetime import date, datetime

from uth.auth.models import User
from uth.deadlines.rules import age_in_days, is_overdue, local_date
from uth.reports.dialogue import messages_json, status_text
from uth.reports.due import open_deadlines
from uth.reports.models import Case
from uth.reports.visibility import FULL, can_see_patient, can_see_reporter, case_view_level


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def overdue_names(case: Case, now: datetime) -> list[str]:
    """Names of the open deadlines that have passed (overdue at the end of their day)."""
    return [name for name, due in open_deadlines(case) if is_overdue(due, now)]


def days_to_close(case: Case, now: datetime) -> int | None:
    """Days left to the 90-day deadline (negative when overdue); None once closed."""
    if not case.is_open:
        return None
    return (case.close_by - local_date(now)).days


def _org(org) -> str | None:
    return org.code if org is not None else None


def case_json(case: Case, actor: User, now: datetime, *, receipt_code: str | None = None, purpose: str | None = None,
              identities: bool = True) -> dict:
    """The case as the actor may see it: reporter and the dialogue where allowed (and `identities`, not in lists);
    patient only where allowed and a purpose is given."""
    level = case_view_level(actor, case) if actor is not None else None
    data = {
        "reference": case.reference,
        "status": case.status,
        "view": level or "reporter",
        "received_at": _iso(case.received_at),
        "occurred_at": _iso(case.occurred_at),
        "occurred_at_precision": case.occurred_at_precision,
        "title": case.title,
        "description": case.description,
        "consequence": case.consequence,
        "prevention": case.prevention,
        "event_type": case.event_type,
        "actual_consequence": case.actual_consequence,
        "possible_consequence": case.possible_consequence,
        "severity": case.severity,
        "ncc_merp": case.ncc_merp,
        "sac": case.sac,
        "medication": case.medication,
        "device": case.device,
        "reporting_org": _org(case.reporting_org),
        "event_org": _org(case.event_org),
        "handling_org": _org(case.handling_org),
        "involved_orgs": [{"org": link.org.code, "role": link.role} for link in case.involved],
        "transition": (
            {"type": case.transition_type, "from_org": _org(case.transition_from_org), "to_org": _org(case.transition_to_org)}
            if case.transition_type else None
        ),
        "cross_sector": case.cross_sector,
        "statutory": case.statutory,
        "reporter_kind": case.reporter_kind,
        "assignee": case.assignee.email if case.assignee else None,
        "deadlines": {"acknowledge_by": _iso(case.acknowledge_by), "close_by": _iso(case.close_by)},
        "overdue": overdue_names(case, now),
        "days_to_close": days_to_close(case, now),
        "case_age_days": age_in_days(case.received_at, now),
        "statements": [
            {"id": st.id, "org": st.org.code, "question": st.question, "respond_by": _iso(st.respond_by),
             "answer": st.answer, "answered_at": _iso(st.answered_at), "withdrawn_at": _iso(st.withdrawn_at),
             "reminded_at": _iso(st.reminded_at)}
            for st in case.statements
        ],
        "conclusion": case.conclusion,
        "learning": case.learning,
        "reject_reason": case.reject_reason,
        "reject_comment": case.reject_comment,
        "duplicate_of": case.duplicate_of.reference if case.duplicate_of else None,
        "closed_at": _iso(case.closed_at),
    }
    if identities and level == FULL:  # the dialogue with the reporter: never in the limited view nor a list (SPEC §19)
        data["messages"] = messages_json(case)
    if identities and level == FULL and can_see_reporter(actor, case):
        data["reporter"] = {
            "name": case.reporter_name, "email": case.reporter_email, "phone": case.reporter_phone,
            "profession": case.reporter_profession, "anonymous": case.reporter_anonymous,
        }
    if purpose and level == FULL and can_see_patient(actor, case):
        data["patient"] = {"cpr": case.patient_cpr, "name": case.patient_name}
    if receipt_code is not None:
        data["receipt_code"] = receipt_code
    return data


def receipt_json(case: Case) -> dict:
    """A report as its reporter sees it by receipt code (SPEC §19 [contract]): who handles it, the
    status in plain words, the date to expect an answer by, the feedback and the dialogue."""
    return {
        "reference": case.reference,
        "status": case.status,
        "status_text": status_text(case),
        "handling_org": _org(case.handling_org),
        "close_by": _iso(case.close_by),
        "feedback": case.feedback,
        "messages": messages_json(case),
    }


def own_report_json(case: Case) -> dict:
    """An item of the staff reporter's own reports: the same, and what was reported and when."""
    return {**receipt_json(case), "title": case.title, "received_at": _iso(case.received_at)}
