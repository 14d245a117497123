"""Moving report history in from another system (`uth import-reports`, SPEC §15)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from uth.audit.services import record
from uth.auth.models import User
from uth.auth.services import find_user
from uth.deadlines.models import OverdueRecord
from uth.deadlines.rules import is_overdue
from uth.errors import DomainError, Invalid
from uth.extensions import db
from uth.reports.due import open_deadlines
from uth.reports.models import Case
from uth.reports.services import submit_report
from uth.reports.validation import NewReport, parse_report
from uth.routing.services import routing_snapshot


@dataclass
class ImportResult:
    """Counts, and each rejected line's number with its reasons ({field: [messages]})."""

    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


BATCH = 500  # lines validated, then written in one SAVEPOINT


def _parse_line(text: str, *, now: datetime, users: dict) -> tuple[User | None, NewReport]:
    """One JSON line checked as a report, before anything is written; raises Invalid with field errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise Invalid({"json": [f"Ugyldig JSON: {err.msg} (kolonne {err.colno})"]}) from None
    reporter = None
    if isinstance(data, dict) and data.get("reporter_email"):
        email = str(data["reporter_email"])
        if email not in users:
            users[email] = find_user(email)
        reporter = users[email]
        if reporter is None:
            raise Invalid({"reporter_email": ["Ukendt bruger"]})
    return reporter, parse_report(data, public=False, reporter=reporter, now=now, allow_received_at=True)


def _write(reporter: User | None, report: NewReport, *, now: datetime) -> Case:
    """The case, as a submission makes it but without mail, its missed deadlines and the import's audit row."""
    case, _receipt = submit_report(reporter, report, now=now, notify=False)
    missed = record_missed_on_import(case, now=now)
    record("system", "case.imported", now=now, case=case, detail={"reference": case.reference, "deadlines_missed": missed})
    return case


def _rejection(err: DomainError) -> dict[str, list[str]]:
    return err.errors if isinstance(err, Invalid) else {"report": [err.message or type(err).__name__]}


def _write_batch(batch: list, result: ImportResult, *, now: datetime) -> None:
    """The batch's checked lines in one SAVEPOINT; should a write refuse one (a rule only the write
    can check), the batch is undone and written line by line, each in its own, so only that line is
    rejected and nothing of it stays."""
    if not batch:
        return
    try:
        with db.session.begin_nested():
            cases = [_write(reporter, report, now=now) for _number, reporter, report in batch]
    except DomainError:
        for number, reporter, report in batch:
            try:
                with db.session.begin_nested():
                    case = _write(reporter, report, now=now)
            except DomainError as err:
                result.rejected.append((number, _rejection(err)))
            else:
                result.imported.append(case.reference)
    else:
        result.imported.extend(case.reference for case in cases)
    db.session.expunge_all()  # a long import keeps no case in memory once it is flushed


def import_reports(lines: Iterable[str], *, now: datetime, progress: Callable[[str], None] | None = None) -> ImportResult:
    """Every non-blank line is checked first (a bad line is named with its number and reasons, and
    nothing of it is written); the good ones are written a batch at a time. `progress` is told of
    each line read."""
    with routing_snapshot():  # rules and risk managers cannot change within the import's transaction
        return _import(lines, now=now, progress=progress)


def _import(lines: Iterable[str], *, now: datetime, progress: Callable[[str], None] | None) -> ImportResult:
    result = ImportResult()
    users: dict = {}
    batch: list = []
    for number, text in enumerate(lines, start=1):
        if progress is not None:
            progress(text)
        if not text.strip():
            continue
        try:
            batch.append((number, *_parse_line(text, now=now, users=users)))
        except DomainError as err:
            result.rejected.append((number, _rejection(err)))
        if len(batch) >= BATCH:
            _write_batch(batch, result, now=now)
            batch = []
            users.clear()  # the session was emptied: look users up again
    _write_batch(batch, result, now=now)
    result.rejected.sort(key=lambda item: item[0])
    return result


def record_missed_on_import(case: Case, *, now: datetime) -> int:
    """The deadlines a case moved in from another system had already missed: recorded (the queue
    shows them overdue) but not announced, so a history import does not flood the inboxes."""
    missed = [(deadline, due_on) for deadline, due_on in open_deadlines(case) if is_overdue(due_on, now)]
    for deadline, due_on in missed:
        db.session.add(OverdueRecord(case_id=case.id, deadline=deadline, due_on=due_on, recorded_at=now))
    return len(missed)
