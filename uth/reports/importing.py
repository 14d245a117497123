"""Moving report history in from another system (`uth import-reports`, SPEC §15)."""
from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from uth import hooks
from uth.audit.services import record
from uth.bulk import insert_returning_ids, insert_rows
from uth.auth.models import User
from uth.auth.services import find_user
from uth.deadlines.models import OverdueRecord
from uth.deadlines.rules import DeadlineSettings, is_overdue
from uth.errors import DomainError, Invalid
from uth.extensions import db
from uth.reports.due import open_deadlines
from uth.reports.models import Case, CaseEvent, CaseOrg
from uth.reports.references import next_references
from uth.reports.services import CASES, add_submitted_event, case_row, deadline_settings, new_case, record_created
from uth.reports.validation import KnownPlaces, NewReport, parse_report
from uth.routing.services import routing_snapshot


@dataclass
class ImportResult:
    """Counts, and each rejected line's number with its reasons ({field: [messages]})."""

    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


BATCH = 500  # lines validated, then written in one SAVEPOINT


def _parse_line(text: str, *, now: datetime, users: dict, known: KnownPlaces) -> tuple[User | None, NewReport]:
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
    return reporter, parse_report(data, public=False, reporter=reporter, now=now, allow_received_at=True, known=known)


def _write(batch: list, *, now: datetime, settings: DeadlineSettings) -> list[Case]:
    """The batch's cases as a submission makes them (`new_case`, without mail), each with its
    missed deadlines and the import's audit row, in one multi-row INSERT per table; their
    references taken a year at a time. Returns the cases (ids set) in the batch's order."""
    cases = []
    for _number, reporter, report in batch:
        case, _receipt = new_case(reporter, report, now=now, public=False, settings=settings)
        add_submitted_event(case, reporter, now=now, public=False)
        cases.append(case)
    by_year: dict[int, list[Case]] = {}
    for case in cases:
        by_year.setdefault(case.year, []).append(case)
    for year, of_year in by_year.items():
        for case, (reference, seq) in zip(of_year, next_references(year, len(of_year))):
            case.reference, case.seq = reference, seq
    rows = [case_row(case) for case in cases]
    ids = insert_returning_ids(db.session(), CASES, rows)
    links, events, overdue = [], [], []
    for (_number, reporter, _report), case, case_id, row in zip(batch, cases, ids, rows):
        case.id, case.handling_org_id = case_id, row["handling_org_id"]
        links += [{"case_id": case_id, "org_id": link.org.id, "role": link.role} for link in case.involved]
        events += [{"case_id": case_id, "at": e.at, "actor_id": e.actor_id, "action": e.action, "detail": e.detail}
                   for e in case.events]
        missed = missed_on_import(case, now=now)
        overdue += [{"case_id": case_id, "deadline": deadline, "due_on": due_on, "recorded_at": now}
                    for deadline, due_on in missed]
        record_created(case, reporter, now=now, public=False)
        record("system", "case.imported", now=now, case=case, detail={"reference": case.reference, "deadlines_missed": len(missed)})
    for model, values in ((CaseOrg, links), (CaseEvent, events), (OverdueRecord, overdue)):  # none: nothing
        insert_rows(db.session(), model.__table__, values)
    for told in hooks.get(hooks.BULK_INSERTED):
        told(db.session(), Case, ids)
    return cases


def _rejection(err: DomainError) -> dict[str, list[str]]:
    return err.errors if isinstance(err, Invalid) else {"report": [err.message or type(err).__name__]}


def _write_batch(batch: list, result: ImportResult, *, now: datetime, settings: DeadlineSettings,
                 written: Callable[[list[Case]], None]) -> None:
    """The batch's checked lines in one SAVEPOINT; should a write refuse one (a rule only the write
    can check), the batch is undone and written line by line, each in its own, so only that line is
    rejected and nothing of it stays. `written` is given the cases of each released SAVEPOINT."""
    if not batch:
        return
    try:
        with db.session.begin_nested():
            cases = _write(batch, now=now, settings=settings)
    except DomainError:
        cases = []
        for line in batch:
            try:
                with db.session.begin_nested():
                    cases += _write([line], now=now, settings=settings)
            except DomainError as err:
                result.rejected.append((line[0], _rejection(err)))
    result.imported.extend(case.reference for case in cases)
    written(cases)


def import_reports(lines: Iterable[str], *, now: datetime, progress: Callable[[str], None] | None = None) -> ImportResult:
    """Every non-blank line is checked first (a bad line is named with its number and reasons, and
    nothing of it is written); the good ones are written a batch at a time. `progress` is told of
    each line read."""
    with routing_snapshot(), _kept_objects_frozen():  # rules and risk managers cannot change within the import's transaction
        return _import(lines, now=now, progress=progress)


@contextmanager
def _kept_objects_frozen():
    """The audit entries wait for the commit (two a case): after each batch its garbage is
    collected and what is left is frozen, so the collector does not walk the growing pile again
    and again (~23% of a 100,000-line import); unfrozen, as they were, at the end."""
    was_frozen = gc.get_freeze_count()
    try:
        yield
    finally:
        if not was_frozen:
            gc.unfreeze()


def _freeze_survivors() -> None:
    gc.collect(1)
    gc.freeze()


def _import(lines: Iterable[str], *, now: datetime, progress: Callable[[str], None] | None) -> ImportResult:
    result = ImportResult()
    settings, known = deadline_settings(), KnownPlaces()
    # told of each batch once written: the search index, written as the import goes
    listeners = [told for told in (start(db.session()) for start in hooks.get(hooks.IMPORT_STARTED)) if told]

    def written(cases: list[Case]) -> None:
        for told in listeners:
            told(cases)

    users: dict = {}
    batch: list = []
    for number, text in enumerate(lines, start=1):
        if progress is not None:
            progress(text)
        if not text.strip():
            continue
        try:
            batch.append((number, *_parse_line(text, now=now, users=users, known=known)))
        except DomainError as err:
            result.rejected.append((number, _rejection(err)))
        if len(batch) >= BATCH:
            _write_batch(batch, result, now=now, settings=settings, written=written)
            batch = []
            _freeze_survivors()
    _write_batch(batch, result, now=now, settings=settings, written=written)
    result.rejected.sort(key=lambda item: item[0])
    return result


def missed_on_import(case: Case, *, now: datetime) -> list[tuple[str, date]]:
    """The deadlines a case moved in from another system had already missed: recorded (the queue
    shows them overdue) but not announced, so a history import does not flood the inboxes."""
    return [(deadline, due_on) for deadline, due_on in open_deadlines(case) if is_overdue(due_on, now)]
