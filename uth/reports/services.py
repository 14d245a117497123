"""Submitting reports and reading cases (SPEC §3–§4)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import MANYTOONE, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from uth import hooks
from uth.audit.services import record
from uth.auth.models import User
from uth.bulk import as_loaded, insert_returning_id, insert_returning_ids, insert_rows
from uth.deadlines.rules import DeadlineSettings, acknowledge_by, close_by, local_date
from uth.errors import NotFound
from uth.extensions import db, sqlite_write_gate
from uth.i18n import message
from uth.notifications.services import (central_risk_managers_above, enqueue, notify_new_case, notify_unrouted,
                                        reporter_link)
from uth.reports.due import next_deadline
from uth.reports.involved import refresh_involved
from uth.reports.models import Case, CaseEvent, CaseOrg, CaseStatus
from uth.reports.references import new_receipt_code, next_reference, receipt_hash
from uth.reports.validation import NewReport
from uth.reports.visibility import case_view_level, visible_cases
from uth.routing.services import risk_manager_addresses, route


def deadline_settings() -> DeadlineSettings:
    """Deadline settings of the running app."""
    return DeadlineSettings.from_mapping(current_app.config)


def refresh_next_due(case: Case) -> None:
    """Store the case's nearest open deadline; every service that changes the status, a deadline
    or a statement calls it (submission here, every workflow action in handling.actions.perform)."""
    nearest = next_deadline(case)
    case.next_due_on = nearest[1] if nearest else None


def add_event(case: Case, actor: User | None, action: str, *, now: datetime, **detail) -> CaseEvent:
    """One history entry on the case page (never replaced text or personal data)."""
    event = CaseEvent(**_event(actor, action, now, detail))
    case.events.append(event)
    return event


def _event(actor: User | None, action: str, now: datetime, detail: dict) -> dict:
    return {"at": now, "actor_id": actor.id if isinstance(actor, User) else None, "action": action, "detail": detail}


def submit_report(actor: User | None, data: NewReport, *, now: datetime, public: bool = False,
                  notify: bool = True, attach: bool = True) -> tuple[Case, str]:
    """Record a report as a case, route it and start its deadlines; returns (case, receipt code),
    the case in the session as if loaded. `notify=False` for history moved from another system: no
    "new case" mail for old cases. `attach=False` for a caller that commits at once and answers
    from what the case holds (a request's report, form or FHIR resource): the case is left out of
    the session (transient: what it would load reads empty), its columns, organisations, links,
    statements and messages (none yet) known; not its history (Core inserts the first entry).

    Everything is read and built before the first write (the case number), so the database's write
    lock is held only for the inserts, Core statements without the unit of work: on SQLite,
    concurrent submissions queue on that lock."""
    case, receipt = new_case(actor, data, now=now, public=public)
    handling = case.handling_org
    recipients = risk_manager_addresses(handling.id) if notify and handling else []
    reaches_nobody = notify and handling is None and not central_risk_managers_above(case.effective_org)
    row = case_row(case)
    links = [{"org_id": link.org.id, "role": link.role} for link in case.involved]
    session = db.session()
    sqlite_write_gate()
    case.reference, case.seq = row["reference"], row["seq"] = next_reference(case.year)  # the write lock is held from here
    case.id = insert_returning_id(session, CASES, row)
    link_ids = insert_returning_ids(session, CaseOrg.__table__, [{**link, "case_id": case.id} for link in links])
    _persistent(case, row, link_ids, attach)
    for told in hooks.get(hooks.BULK_INSERTED):  # the search outbox, as a flush of the new case would queue it
        told(session, Case, [case.id])
    insert_rows(session, CaseEvent.__table__, [{"case_id": case.id, **_event(actor, "submitted", now, _submitted(case, public))}])
    record_created(case, actor, now=now, public=public)
    notify_new_case(case, recipients, now=now)
    if reaches_nobody:
        notify_unrouted(case, now=now)
    if notify and public:
        send_receipt_code(case, receipt, now=now)
    return case, receipt


CASES = Case.__table__
_LINKS = [(rel.key, next(iter(rel.local_columns)).key) for rel in inspect(Case).relationships if rel.direction is MANYTOONE]
_ROW_KEYS = tuple(column.key for column in CASES.columns if column.key != "id")
_DEFAULTS = {column.key: column.default.arg for column in CASES.columns
             if column.default is not None and column.default.is_scalar}


def case_row(case: Case) -> dict:
    """The row of a new case (`new_case`) as its flush would insert it: the columns, the ids of the
    organisations and users it links to, the columns' defaults where it left them unset."""
    state = case.__dict__
    row = {key: state.get(key) for key in _ROW_KEYS}
    for name, column in _LINKS:
        linked = state.get(name)
        if linked is not None:
            row[column] = linked.id
    for name, default in _DEFAULTS.items():
        if row[name] is None:
            row[name] = default
    return row


def _persistent(case: Case, row: dict, link_ids: list[int], attach: bool) -> None:
    """The new case and its organisation links, inserted past the unit of work, as if just loaded:
    every column known (no query to read one back), nothing pending; and, if `attach`, in the
    session, its history read when asked (Core inserts the first entry)."""
    for link, link_id in zip(case.involved, link_ids):
        link.__dict__.update(id=link_id, case_id=case.id)  # as loaded: nothing for the unit of work
        if attach:
            make_transient_to_detached(link)
    state = case.__dict__
    for key, value in row.items():
        state.setdefault(key, value)  # the ids of what it links to, beside the columns it holds
    if attach:
        make_transient_to_detached(case)
        db.session.add(case)
        db.session.expire(case, ["events"])


def add_submitted_event(case: Case, actor: User | None, *, now: datetime, public: bool) -> CaseEvent:
    """A new case's first history entry: submitted, and where routing sent it."""
    return add_event(case, actor, "submitted", now=now, **_submitted(case, public))


def _submitted(case: Case, public: bool) -> dict:
    return {"public": public, "handling_org": case.handling_org and case.handling_org.code}


def record_created(case: Case, actor: User | None, *, now: datetime, public: bool) -> None:
    """A new case's audit row (once it has its id and reference)."""
    handling = case.handling_org
    record(actor, "case.created", now=now, case=case, anonymous=case.reporter_anonymous,
           detail={"reference": case.reference, "public": public, "handling_org": handling and handling.code})


def send_receipt_code(case: Case, receipt: str, *, now: datetime) -> None:
    """The receipt to a public reporter who gave an address (SPEC §18): the reference and the receipt
    code, so the receipt can be found again (staff find theirs in Mine indberetninger); never the
    case's text (the mail may be read by others)."""
    if not case.reporter_email:
        return
    enqueue("report_received", case.reporter_email, f"Kvittering for din indberetning {case.reference}",
            f"Tak for din indberetning af en utilsigtet hændelse.\n\n"
            f"Reference: {case.reference}\nKvitteringskode: {receipt}\n\n"
            f"Gem koden. Med den kan du se status, læse spørgsmål fra risikomanageren og svare på "
            f"{reporter_link(case)}\n\n"
            "Af hensyn til fortroligheden står der ikke noget om hændelsen i denne e-mail.\n"
            "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n",
            now=now, case=case)


def new_case(actor: User | None, data: NewReport, *, now: datetime, public: bool,
             settings: DeadlineSettings | None = None) -> tuple[Case, str]:
    """What a new case is, the one definition submission and import share: the case in memory (not
    yet in the session), with its receipt code, deadlines, involved organisations and routing;
    returns (case, receipt code). The caller adds or inserts it and takes its number last."""
    received_at = data.received_at or now
    settings = settings or deadline_settings()
    receipt = new_receipt_code()
    case = _built({
        "year": local_date(received_at).year, "receipt_hash": receipt_hash(receipt), "status": CaseStatus.NEW,
        "staff_receipt_code": None if public else receipt, "received_at": received_at, "updated_at": now,
        "occurred_at": data.occurred_at, "occurred_at_precision": data.occurred_at_precision,
        "reporter_kind": "public" if public else "staff", "statutory": not public,
        "reporting_org": None if public else data.reporting_org, "event_org": data.event_org,
        "transition_type": data.transition_type, "transition_from_org": data.transition_from,
        "transition_to_org": data.transition_to, "event_type": data.event_type, "title": data.title,
        "description": data.description, "consequence": data.consequence, "prevention": data.prevention,
        "actual_consequence": data.actual_consequence, "possible_consequence": data.possible_consequence,
        "severity": data.severity, "ncc_merp": data.ncc_merp, "sac": data.sac, "medication": data.medication,
        "device": data.device, "patient_cpr": data.patient_cpr, "patient_name": data.patient_name,
        "reporter_user": actor if not public else None,
        "reporter_name": data.reporter_name or (actor.name if actor and not public else None),
        "reporter_email": data.reporter_email or (actor.email if actor and not public else None),
        "reporter_phone": data.reporter_phone, "reporter_profession": data.reporter_profession,
        "reporter_anonymous": data.reporter_anonymous,
        "acknowledge_by": acknowledge_by(received_at, settings), "close_by": close_by(received_at, settings),
    })
    for org, role in data.involved:
        case.involved.append(CaseOrg(org=org, role=role))
    route(case)
    refresh_involved(case)
    refresh_next_due(case)
    return case, receipt


_LINK_COLUMNS = {column for _name, column in _LINKS}
# A new case's columns before `new_case` sets them: the defaults, None; the links' ids are left to
# `case_row` (from the linked objects) and `_persistent`.
_NEW_CASE = {column.key: _DEFAULTS.get(column.key) for column in CASES.columns
             if column.key != "id" and column.key not in _LINK_COLUMNS}
_NEW_CASE.update({name: None for name, _column in _LINKS})


def _built(values: dict) -> Case:
    """A Case holding these values and, for the other columns and many-to-one links, their default or
    None (`as_loaded`: Core inserts it, in `submit_report` and the import). A new case has no
    organisation links yet, no statements and no messages: nothing needs asking for them."""
    case = as_loaded(Case, {**_NEW_CASE, **values})
    for name in ("involved", "statements", "messages"):
        set_committed_value(case, name, [])
    return case


def get_visible_case(actor: User, reference: str) -> Case:
    """A case the actor may open, or NotFound (also when it exists outside scope)."""
    case = db.session.scalar(visible_cases(actor).where(Case.reference == reference))
    if case is None or case_view_level(actor, case) is None:
        raise NotFound(message("Sagen findes ikke"))
    return case


def case_by_receipt(code: str) -> Case:
    """The case behind a receipt code, or NotFound."""
    case = db.session.scalar(select(Case).where(Case.receipt_hash == receipt_hash(code)))
    if case is None:
        raise NotFound(message("Ukendt kvitteringskode"))
    return case


def own_reports(actor: User) -> list[Case]:
    """Reports the actor submitted, newest first."""
    return list(db.session.scalars(select(Case).where(Case.reporter_user_id == actor.id).order_by(Case.received_at.desc())))
