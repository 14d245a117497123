"""Anonymisation of cases (SPEC §8, DOMAIN §1.7): findings before close, deletion at close, purge after commit."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from flask import Flask, has_app_context
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session

from uth import hooks
from uth.anonymisation.scanner import Finding, is_value, redact, scan, without_accepted
from uth.audit.services import record
from uth.extensions import db
from uth.notifications.models import OutboxMessage
from uth.reports.models import Case
from uth.storage import checkpoint_wal

# Fields deleted at close (SPEC §8). `reporter_user_id` stays so the reporter can see the outcome.
PERSONAL_FIELDS = ("patient_cpr", "patient_name", "reporter_name", "reporter_email", "reporter_phone",
                   "reporter_profession")
CASE_TEXT_FIELDS = ("title", "description", "consequence", "prevention", "conclusion", "learning", "feedback")
# session.info key: ids of the cases whose removed text must leave the storage files after commit.
PURGE_REQUESTS = "uth_purge_case_ids"


def case_texts(case: Case, overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """The free-text fields of a case by a field name a page can highlight (e.g. "statement:12:answer")."""
    fields: dict[str, str | None] = {name: getattr(case, name) for name in CASE_TEXT_FIELDS}
    for statement in case.statements:
        fields[f"statement:{statement.id}:question"] = statement.question
        fields[f"statement:{statement.id}:answer"] = statement.answer
    fields.update(overrides or {})
    return fields


def case_names(case: Case) -> list[str]:
    """Names given in structured fields: patient, reporter and the users on the case."""
    users = (case.assignee, case.reporter_user)
    names = [case.patient_name, case.reporter_name, *(u.name for u in users if u is not None)]
    return [n for n in names if n and n.strip()]


def scan_case(case: Case, overrides: Mapping[str, str | None] | None = None) -> list[Finding]:
    """All scanner findings of a case (none accepted)."""
    return scan(case_texts(case, overrides), case_names(case))


def finding_dict(finding: Finding) -> dict:
    """The finding as SPEC §5 shows it in a 422 answer."""
    return {"id": finding.id, "field": finding.field, "kind": finding.kind, "text": finding.text}


def own_data(case: Case, findings: Iterable[Finding]) -> list[Finding]:
    """The findings that are the case's own structured personal data: the patient's CPR, the patient's
    or reporter's name, the reporter's e-mail or phone. Closing deletes those fields, so such a finding
    can never be accepted as not personal data: it would be the one copy left in the text."""
    own = {"cpr": (case.patient_cpr,), "name": (case.patient_name, case.reporter_name),
           "email": (case.reporter_email,), "phone": (case.reporter_phone,)}
    return [f for f in findings if any(is_value(f, value) for value in own[f.kind])]


def case_findings(case: Case, not_personal: Iterable[str] | None = None,
                  overrides: Mapping[str, str | None] | None = None) -> list[dict]:
    """Findings that still block closing: `overrides` lets a close check the conclusion it is about to save.

    Accepting a finding of the case's own personal data (`own_data`) has no effect.
    """
    findings = scan_case(case, overrides)
    accepted = set(not_personal or ()) - {f.id for f in own_data(case, findings)}
    return [finding_dict(f) for f in without_accepted(findings, accepted)]


def refused_acceptances(case: Case, not_personal: Iterable[str],
                        overrides: Mapping[str, str | None] | None = None) -> list[dict]:
    """The findings in `not_personal` that may not be accepted, because they are the case's own data."""
    accepted = set(not_personal)
    return [finding_dict(f) for f in own_data(case, scan_case(case, overrides)) if f.id in accepted]


def text_findings(fields: Mapping[str, str | None], not_personal: Iterable[str] = ()) -> list[dict]:
    """Findings in text written to an anonymised case: its names are deleted, so CPR, phone and e-mail."""
    return [finding_dict(f) for f in without_accepted(scan(fields), not_personal)]


def anonymise_case(case: Case, actor, *, now: datetime) -> None:
    """Delete the case's personal data at close (SPEC §8); flushes, the close action commits."""
    deleted = [name for name in PERSONAL_FIELDS if getattr(case, name) is not None]
    redacted = _redact_history(case, case_names(case))
    for name in PERSONAL_FIELDS:
        setattr(case, name, None)
    case.anonymised_at = now
    purged = _purge_outbox(case)
    record(actor, "case.anonymised", now=now, case=case,
           detail={"fields": deleted, "outbox_purged": purged, "history_redacted": redacted})
    request_purge(case.id)
    db.session.flush()


def _redact_history(case: Case, names: list[str]) -> int:
    """Replace personal data in the free text of history entries (comments, reasons) by placeholders."""
    changed = 0
    for event_ in case.events:
        detail = dict(event_.detail or {})
        for key, value in detail.items():
            if isinstance(value, str):
                detail[key] = redact(value, scan({key: value}, names))
        if detail != event_.detail:
            event_.detail = detail
            changed += 1
    return changed


def _purge_outbox(case: Case) -> int:
    """Delete the case's delivered or given-up messages: they may name the reporter or patient.

    Pending messages (e.g. the closing feedback to the reporter, queued in the same transaction)
    stay until delivered (send before purge), marked so the sender deletes them once done.
    """
    result = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                    OutboxMessage.status.in_(("sent", "failed")))
    )
    db.session.execute(update(OutboxMessage).where(OutboxMessage.case_id == case.id)
                       .values(purge_when_done=True))
    return result.rowcount or 0


# -- after the commit: the removed text leaves the storage files -----------------------------------

def request_purge(case_id: int) -> None:
    """After this transaction commits, make the case's removed text unrecoverable from the files
    (the WAL, the search index). Called by the services that remove text: anonymisation and `edit`."""
    db.session.info.setdefault(PURGE_REQUESTS, set()).add(case_id)


def purge_storage(case_ids: Iterable[int]) -> None:
    """Checkpoint the WAL, run the registered purgers (the search index merges away old segments),
    checkpoint again (the purgers wrote too)."""
    ids = set(case_ids)
    checkpoint_wal()
    for purger in hooks.get(hooks.PURGERS):
        purger(ids)
    checkpoint_wal()


def _purge_after_commit(session: Session) -> None:
    ids = session.info.pop(PURGE_REQUESTS, None)
    if ids and has_app_context():
        purge_storage(ids)


def _forget_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended without commit: nothing was removed
        session.info.pop(PURGE_REQUESTS, None)


def init_app(app: Flask) -> None:
    """Run the purge after every commit that requested one (idempotent: listeners are per process)."""
    if not event.contains(db.session, "after_commit", _purge_after_commit):
        event.listen(db.session, "after_commit", _purge_after_commit)
        event.listen(db.session, "after_transaction_end", _forget_after_rollback)
