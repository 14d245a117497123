"""Anonymisation of cases (SPEC §8, DOMAIN §1.7): findings before close, deletion at close, purge after commit."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session

from uth import hooks
from uth.anonymisation.scanner import Finding, is_value, redact, scan, without_accepted
from uth.audit.services import record
from uth.extensions import db
from uth.i18n import N_
from uth.notifications.models import DONE_STATUSES, OutboxMessage
from uth.reports.models import Case
from uth.storage import (BUSY_MS, REQUESTED, checkpoint_wal, finish_purges, mark_index_done, open_purges,
                         purges_pending, record_purge)

# Fields deleted at close (SPEC §8). `reporter_user_id` stays so the reporter can see the outcome.
PERSONAL_FIELDS = ("patient_cpr", "patient_name", "reporter_name", "reporter_email", "reporter_phone",
                   "reporter_profession")
CASE_TEXT_FIELDS = ("title", "description", "consequence", "prevention", "conclusion", "learning", "feedback")
# A finding in words, "Navn i beskrivelsen" (the Danish text is the message id of uth.i18n).
KIND_WORDS = {"cpr": N_("CPR-nummer"), "phone": N_("Telefonnummer"), "email": N_("E-mailadresse"), "name": N_("Navn")}
FIELD_IN = {"title": N_("i overskriften"), "description": N_("i beskrivelsen"), "consequence": N_("i konsekvensen for patienten"),
            "prevention": N_("i forslaget til forebyggelse"), "conclusion": N_("i konklusionen"), "learning": N_("i læringen"),
            "feedback": N_("i tilbagemeldingen til indberetteren")}
# app.extensions key: purges were left unfinished in this process (retried after the next commit).
PURGES_LEFT = "uth_purges_left"


def case_texts(case: Case, overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """The free-text fields of a case by a field name a page can highlight (e.g. "statement:12:answer",
    "message:3")."""
    fields: dict[str, str | None] = {name: getattr(case, name) for name in CASE_TEXT_FIELDS}
    for statement in case.statements:
        fields[f"statement:{statement.id}:question"] = statement.question
        fields[f"statement:{statement.id}:answer"] = statement.answer
    for message in case.messages:
        fields[f"message:{message.id}"] = message.text
    fields.update(overrides or {})
    return fields


def field_in(name: str, gettext=lambda text, **values: text % values if values else text) -> str:
    """Where a finding sits, in words: "i beskrivelsen", "i svaret på udtalelse 12" (`gettext` translates)."""
    if name.startswith("statement:"):
        _, sid, part = name.split(":")
        return gettext("i svaret på udtalelse %(id)s", id=sid) if part == "answer" else gettext("i spørgsmålet i udtalelse %(id)s", id=sid)
    if name.startswith("message:"):
        return gettext("i besked %(id)s i dialogen med indberetteren", id=name.split(":")[1])
    return gettext(FIELD_IN.get(name, name))


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


def text_findings(fields: Mapping[str, str | None], not_personal: Iterable[str] = ()) -> list[dict]:
    """Findings in text written to an anonymised case: its names are deleted, so CPR, phone and e-mail."""
    return [finding_dict(f) for f in without_accepted(scan(fields), not_personal)]


def anonymise_case(case: Case, actor, *, now: datetime) -> None:
    """Delete the case's personal data at close (SPEC §8); flushes, the close action commits."""
    deleted = [name for name in PERSONAL_FIELDS if getattr(case, name) is not None]
    names = case_names(case)
    redacted = _redact_history(case, names)
    messages_redacted = _redact_messages(case, names)
    for name in PERSONAL_FIELDS:
        setattr(case, name, None)
    case.anonymised_at = now
    purged = _purge_outbox(case)
    record(actor, "case.anonymised", now=now, case=case,
           detail={"fields": deleted, "outbox_purged": purged, "history_redacted": redacted,
                   "messages_redacted": messages_redacted})
    request_purge(case.id, now=now)
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


def _redact_messages(case: Case, names: list[str]) -> int:
    """The dialogue with the reporter stays for the reporter to read, cleaned: what the close check
    let through (a finding accepted as not personal data) is replaced by placeholders, as in the history."""
    changed = 0
    for message in case.messages:
        cleaned = redact(message.text, scan({"text": message.text}, names))
        if cleaned != message.text:
            message.text = cleaned
            changed += 1
    return changed


def _purge_outbox(case: Case) -> int:
    """Delete the case's delivered or given-up messages: they may name the reporter or patient.

    Pending messages (e.g. the closing feedback to the reporter, queued in the same transaction)
    stay until delivered (send before purge), marked so the sender deletes them once done.
    """
    result = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                    OutboxMessage.status.in_(DONE_STATUSES))
    )
    db.session.execute(update(OutboxMessage).where(OutboxMessage.case_id == case.id)
                       .values(purge_when_done=True))
    return result.rowcount or 0


# -- after the commit: the removed text leaves the storage files -----------------------------------

def request_purge(case_id: int, *, now: datetime) -> None:
    """Make the case's removed text unrecoverable from the files (the WAL, the search index) once this
    transaction commits. Recorded in the transaction itself (`uth.storage.PurgeRequest`), so a purge
    that cannot finish at once is retried and finished later. Called by the services that remove
    text: anonymisation and `edit`."""
    record_purge(case_id, now=now)


def run_purges(*, busy_ms: int = 0) -> int:
    """Finish what can be finished of every recorded purge; returns how many are left.

    The WAL first (the database's copy of the text, whatever the index does), then the registered
    purgers for the cases whose index part is open (the search feature rewrites their documents and
    merges away old segments, at once or in its background applier, which marks them done itself),
    then the WAL again and the finished requests deleted. `busy_ms` 0: a request never waits for a
    reader (a backup holding the WAL); its purge stays recorded and is retried.
    """
    with Session(db.engine) as session:
        open_rows = open_purges(session)
        checkpoint_wal(busy_ms)
        if open_rows:
            up_to, ids = max(r.id for r in open_rows), {r.case_id for r in open_rows if r.case_id is not None}
            results = [purger(ids) for purger in hooks.get(hooks.PURGERS)]
            if all(result is True for result in results):
                mark_index_done(session, ids, up_to=up_to)
        finish_purges(session, busy_ms=busy_ms)
        left = purges_pending(session)
    current_app.extensions[PURGES_LEFT] = left > 0
    return left


def storage_purges(now: datetime) -> int:
    """A sweeper (`uth sweep-deadlines`, SPEC §8): finish every purge left over, waiting for readers
    as long as a connection's busy timeout; returns how many purges finished."""
    with Session(db.engine) as session:
        before = purges_pending(session)
    left = run_purges(busy_ms=BUSY_MS)
    if left:
        current_app.logger.warning("storage: %s purge(s) could not finish (a reader holds the WAL?); next sweep", left)
    return before - left


storage_purges.unit = "purges finished"


def _purge_after_commit(session: Session) -> None:
    requested = session.info.pop(REQUESTED, None)
    if has_app_context() and (requested or current_app.extensions.get(PURGES_LEFT)):
        try:
            run_purges()
        except Exception:  # noqa: BLE001 - the change is committed and its purge recorded: retried, swept
            current_app.extensions[PURGES_LEFT] = True
            current_app.logger.exception("storage: purge failed; recorded, retried after the next commit")


def _forget_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended without commit: nothing was removed
        session.info.pop(REQUESTED, None)


def init_app(app: Flask) -> None:
    """Run the purges after every commit that recorded one (and, while some are left, after any
    commit: a retry once the reader is gone); `uth sweep-deadlines` finishes the rest."""
    if not event.contains(db.session, "after_commit", _purge_after_commit):
        event.listen(db.session, "after_commit", _purge_after_commit)
        event.listen(db.session, "after_transaction_end", _forget_after_rollback)
    hooks.add(app, hooks.SWEEPERS, storage_purges)
