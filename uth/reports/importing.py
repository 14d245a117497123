"""Moving report history in from another system (`uth import-reports`, SPEC §15)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from uth.audit.services import record
from uth.auth.services import find_user
from uth.deadlines.models import OverdueRecord
from uth.deadlines.rules import is_overdue
from uth.errors import DomainError, Invalid
from uth.extensions import db
from uth.reports.due import open_deadlines
from uth.reports.models import Case
from uth.reports.services import submit_report
from uth.reports.validation import parse_report


@dataclass
class ImportResult:
    """Counts, and each rejected line's number with its reasons ({field: [messages]})."""

    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


def _import_line(text: str, *, now: datetime):
    """One JSON line as a case; raises Invalid with field errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise Invalid({"json": [f"Ugyldig JSON: {err.msg} (kolonne {err.colno})"]}) from None
    reporter = None
    if isinstance(data, dict) and data.get("reporter_email"):
        reporter = find_user(str(data["reporter_email"]))
        if reporter is None:
            raise Invalid({"reporter_email": ["Ukendt bruger"]})
    report = parse_report(data, public=False, reporter=reporter, now=now, allow_received_at=True)
    case, _receipt = submit_report(reporter, report, now=now, notify=False)
    missed = record_missed_on_import(case, now=now)
    record("system", "case.imported", now=now, case=case, detail={"reference": case.reference, "deadlines_missed": missed})
    return case


def import_reports(lines: Iterable[str], *, now: datetime) -> ImportResult:
    """Each non-blank line in its own SAVEPOINT: a bad line writes nothing, the good ones land."""
    result = ImportResult()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            with db.session.begin_nested():
                case = _import_line(text, now=now)
        except Invalid as err:
            result.rejected.append((number, err.errors))
        except DomainError as err:
            result.rejected.append((number, {"report": [err.message or type(err).__name__]}))
        else:
            result.imported.append(case.reference)
    return result


def record_missed_on_import(case: Case, *, now: datetime) -> int:
    """The deadlines a case moved in from another system had already missed: recorded (the queue
    shows them overdue) but not announced, so a history import does not flood the inboxes."""
    missed = [(deadline, due_on) for deadline, due_on in open_deadlines(case) if is_overdue(due_on, now)]
    for deadline, due_on in missed:
        db.session.add(OverdueRecord(case_id=case.id, deadline=deadline, due_on=due_on, recorded_at=now))
    return len(missed)
