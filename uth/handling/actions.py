"""Acting on cases (SPEC §5): one verb per workflow action, shared by the case page and the API."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from uth import fields
from uth.anonymisation.scanner import scan
from uth.anonymisation.services import anonymise_case, case_names, request_purge, text_findings
from uth.audit.services import record
from uth.auth.models import Organisation, User
from uth.auth.orgs import get_org
from uth.deadlines.rules import respond_by
from uth.errors import Blocked, FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.handling import mail, workflow
from uth.handling.closing import check_close
from uth.handling.offers import open_statements_for
from uth.i18n import N_, lazy_gettext, message
from uth.reports.dialogue import MAX_LEN as MESSAGE_MAX_LEN
from uth.reports.dialogue import MESSAGE_FIELD, MESSAGE_FIELDS, ask_reporter
from uth.reports.forms import org_code
from uth.reports.involved import refresh_involved
from uth.reports.models import Case, Statement
from uth.reports.services import add_event, deadline_settings, refresh_next_due
from uth.reports.severity import is_downgrade, severity
from uth.reports.validation import CLASSIFICATION_FIELDS, consequences, event_type_field, scales
from uth.reports.visibility import can_handle, case_view_level, visible_cases
from uth.taxonomy.services import codes

EDITABLE = ("title", "description", "consequence", "prevention")
# A statement's question or answer, named as the scanner names the field (e.g. "statement:12:answer").
STATEMENT_FIELD = re.compile(r"statement:(\d+):(question|answer)")
Payload = dict
# The fields each action takes (SPEC §5); with `strict` (the API) any other is refused by name (SPEC §23).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "acknowledge": (), "assign": ("assignee",), "transfer": ("org", "comment"),
    "classify": (*CLASSIFICATION_FIELDS, "reason"), "request_statement": ("org", "question"),
    "respond": ("statement_id", "text"), "comment": ("text", "not_personal"), "edit": EDITABLE,
    "reject": ("reason", "comment", "duplicate_of"), "close": ("conclusion", "learning", "feedback", "not_personal"),
    "reopen": ("comment", "not_personal"), "message_reporter": MESSAGE_FIELDS,
    "withdraw_statement": ("statement_id", "comment"), "remind_statement": ("statement_id",),
}


def _named_field(action: str, key: str) -> bool:
    """`edit` also takes a statement's question or answer and a message, named by id."""
    return action == "edit" and bool(STATEMENT_FIELD.fullmatch(key) or MESSAGE_FIELD.fullmatch(key))


def perform(actor: User, case: Case, action: str, payload: Payload, *, now: datetime, strict: bool = False) -> Case:
    """Run one workflow action: permission (404), state (409), input (422), then change, history, audit, mail.
    `strict` (the API) refuses a field the action does not take, naming it: no field given is silently dropped."""
    if action not in _ACTIONS:
        raise Invalid({"action": [message("Ukendt handling; brug en af: %(choices)s", choices=', '.join(workflow.ACTIONS))]})
    if not isinstance(payload, dict):
        raise Invalid({"body": ["Forventede et JSON-objekt"]})
    if case_view_level(actor, case) is None or (action in workflow.HANDLER_ACTIONS and not can_handle(actor, case)):
        raise NotFound(message("Sagen findes ikke, eller du kan ikke handle på den"))
    if action != "close":  # a close lists what its state lacks among all its blockers
        workflow.check(case.status, action)
    if strict:
        fields.refuse_unknown({k: v for k, v in payload.items() if not _named_field(action, k)}, ACTION_FIELDS[action])
    _ACTIONS[action](actor, case, payload, now)
    refresh_next_due(case)
    case.updated_at = now
    db.session.flush()
    return case


# Free text may name a person: it goes into the case history (cleaned at anonymisation), never
# into the append-only audit trail, which records only that a comment was given.
FREE_TEXT_DETAIL = ("comment",)


def _done(actor: User, case: Case, action: str, now: datetime, **detail) -> None:
    """History entry and audit row of an action; neither holds replaced text, the audit no free text."""
    add_event(case, actor, action, now=now, **detail)
    audit_detail = {k: v for k, v in detail.items() if k not in FREE_TEXT_DETAIL}
    audit_detail.update({f"{k}_given": True for k in FREE_TEXT_DETAIL if detail.get(k)})
    record(actor, f"case.{action}", now=now, case=case, detail={"reference": case.reference, **audit_detail})


def _org_field(payload: Payload, key: str, errors: dict) -> Organisation | None:
    raw = payload.get(key)
    code = org_code(raw) if isinstance(raw, str) else None
    if not code:
        errors.setdefault(key, []).append(message("Vælg en organisation"))
        return None
    org = get_org(code)
    if org is None or not org.active:
        errors.setdefault(key, []).append(message("Ukendt organisation: %(name)s", name=code))
    return org if org is not None and org.active else None


def _acknowledge(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    case.status = workflow.next_status(case.status, "acknowledge")
    case.acknowledged_at = now
    mail.send_receipt(case, now=now)
    _done(actor, case, "acknowledge", now)


def _assign(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    email = payload.get("assignee")
    email = email.strip().lower() if isinstance(email, str) else ""
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active or not can_handle(user, case):
        raise Invalid({"assignee": [message("Vælg en risikomanager der kan behandle sagen")]})
    first_ack = case.acknowledged_at is None
    status = workflow.next_status(case.status, "assign")
    if case.assignee_id == user.id and case.status == status and not first_ack:
        return  # already theirs and in progress: nothing changed, so no history entry or audit row
    case.assignee = user
    case.status = status
    if first_ack:
        case.acknowledged_at = now
        mail.send_receipt(case, now=now)
    _done(actor, case, "assign", now, assignee=user.name, acknowledged=first_ack)


def _transfer(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    org = _org_field(payload, "org", errors)
    comment = fields.text(payload, "comment", errors, required=True, max_len=5000, label=lazy_gettext("Begrundelse"))
    if org is not None and org.id == case.handling_org_id:
        errors.setdefault("org", []).append(message("Sagen håndteres allerede af denne organisation"))
    elif org is not None and not mail.responsible_risk_managers(org):
        errors.setdefault("org", []).append(message("Organisationen har ingen risikomanager"))
    fields.raise_if(errors)
    previous = case.handling_org.code if case.handling_org else None
    # Deadlines and owning_org stay: the clock keeps running, and an anonymous reporter stays
    # visible only to the organisation that first received the report (can_see_reporter).
    case.handling_org = org
    if case.owning_org_id is None:  # an unrouted case: the first organisation to handle it owns it
        case.owning_org = org
    case.assignee = None
    refresh_involved(case)
    mail.send_transferred(case, now=now)
    _done(actor, case, "transfer", now, from_org=previous, to_org=org.code, comment=comment)


def _classify(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """The report's own classification rules (uth.reports.validation); a field left out keeps the case's value."""
    errors: dict = {}
    event_type = event_type_field(payload, errors, default=case.event_type)
    if event_type is None and "event_type" not in errors:
        errors["event_type"] = [message("Vælg en hændelsestype")]
    actual, possible = consequences(payload, errors, defaults=(case.actual_consequence, case.possible_consequence))
    ncc, sac = scales(payload, errors, defaults=(case.ncc_merp, case.sac))
    fields.raise_if(errors)
    before, after = case.severity, severity(actual, possible)
    reason = _downgrade_reason(case, payload, before, after)
    case.event_type, case.actual_consequence, case.possible_consequence = event_type, actual, possible
    case.severity = after
    case.ncc_merp, case.sac = ncc, sac
    changed = {"severity_from": before} if before != after else {}
    _done(actor, case, "classify", now, event_type=event_type, severity=after, **changed,
          **({"reason": reason} if reason else {}))


def _downgrade_reason(case: Case, payload: Payload, before: str | None, after: str) -> str | None:
    """The reason for classifying lower than before (SPEC §21: reporters fear harm is quietly
    downgraded); none is asked otherwise. It goes into the append-only audit trail, which no
    anonymisation can clean, so it may not name anyone or hold a CPR number, phone or e-mail."""
    if not is_downgrade(before, after):
        return None
    errors: dict = {}
    reason = fields.text(payload, "reason", errors, required=True, max_len=2000,
                   label=lazy_gettext("Begrundelsen for den lavere alvorlighed"))
    if reason and scan({"reason": reason}, case_names(case)):
        errors["reason"] = [message("Begrundelsen gemmes i revisionssporet, som ikke kan ændres: skriv den uden navne, "
                            "CPR-numre, telefonnumre og e-mailadresser")]
    fields.raise_if(errors)
    return reason


def _request_statement(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    org = _org_field(payload, "org", errors)
    question = fields.text(payload, "question", errors, required=True, max_len=5000, label=lazy_gettext("Spørgsmålet"))
    if org is not None and org.id == case.handling_org_id:
        errors.setdefault("org", []).append(message("Vælg en anden organisation end den der håndterer sagen"))
    elif org is not None and not mail.responsible_risk_managers(org):
        errors.setdefault("org", []).append(message("Organisationen har ingen risikomanager der kan svare"))
    fields.raise_if(errors)
    if all(link.org_id != org.id for link in case.involved):
        refresh_involved(case, extra=[(org, "involved")])
    statement = Statement(org=org, question=question, requested_at=now, requested_by_id=actor.id,
                          respond_by=respond_by(now, deadline_settings()))
    case.statements.append(statement)
    case.status = workflow.next_status(case.status, "request_statement")
    db.session.flush()
    mail.send_statement_request(statement, now=now)
    _done(actor, case, "request_statement", now, org=org.code, statement_id=statement.id)


def _respond(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    statement_id = fields.parse_id(payload.get("statement_id"))
    statement = next((st for st in case.statements if st.id == statement_id), None)
    if statement is None:
        errors["statement_id"] = [message("Ukendt anmodning om udtalelse")]
    text = fields.text(payload, "text", errors, required=True, max_len=20_000, label=lazy_gettext("Udtalelsen"))
    fields.raise_if(errors)
    if statement.answer is not None:
        raise InvalidTransition(message("Udtalelsen er allerede afgivet"))
    if statement not in open_statements_for(actor, case):
        raise NotFound(message("Anmodningen er ikke sendt til din organisation"))
    statement.answer, statement.answered_at, statement.answered_by_id = text, now, actor.id
    all_answered = not any(st.is_open for st in case.statements)
    case.status = workflow.next_status(case.status, "respond", all_answered=all_answered)
    _done(actor, case, "respond", now, org=statement.org.code, statement_id=statement.id)


def _open_statement(case: Case, payload: Payload, errors: dict) -> Statement | None:
    """The awaited statement request named by `statement_id`."""
    statement_id = fields.parse_id(payload.get("statement_id"))
    statement = next((st for st in case.statements if st.id == statement_id), None)
    if statement is None or not statement.is_open:
        errors["statement_id"] = [N_("Vælg en anmodning om udtalelse, der stadig afventes")]
        return None
    return statement


def _withdraw_statement(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """Withdraw an awaited statement request, with a reason (kept in the history, audited as given)."""
    errors: dict = {}
    statement = _open_statement(case, payload, errors)
    reason = fields.text(payload, "comment", errors, required=True, max_len=5000, label=lazy_gettext("Begrundelsen"))
    fields.raise_if(errors)
    statement.withdrawn_at, statement.withdrawn_by_id = now, actor.id
    case.status = workflow.next_status(case.status, "withdraw_statement",
                                       all_answered=not any(st.is_open for st in case.statements))
    mail.send_statement_withdrawn(statement, now=now)
    _done(actor, case, "withdraw_statement", now, org=statement.org.code, statement_id=statement.id, comment=reason)


def _remind_statement(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """Mail the asked organisation's risk managers again about an awaited statement."""
    errors: dict = {}
    statement = _open_statement(case, payload, errors)
    fields.raise_if(errors)
    statement.reminded_at = now
    mail.send_statement_reminder(statement, now=now)
    _done(actor, case, "remind_statement", now, org=statement.org.code, statement_id=statement.id)


def _comment(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    text = fields.text(payload, "text", errors, required=True, max_len=5000, label=lazy_gettext("Noten"))
    not_personal = _not_personal(payload, errors)
    fields.raise_if(errors)
    _refuse_personal_data_on_closed(case, "text", text, not_personal)
    _done(actor, case, "comment", now, comment=text)


def _refuse_personal_data_on_closed(case: Case, field: str, text: str, not_personal: list[str]) -> None:
    """A note written on a closed case stays in its history: it was anonymised at the close, and
    no later anonymisation would clean the note. CPR numbers, phones and e-mails are refused."""
    if case.status == workflow.CLOSED:
        findings = text_findings({field: text}, not_personal)
        if findings:
            raise FindingsError(findings)


def editable(name: str) -> bool:
    """Whether `edit` can change the field: a narrative field of the case, a statement's question or
    answer, or a message of the dialogue with the reporter."""
    return name in EDITABLE or STATEMENT_FIELD.fullmatch(name) is not None or MESSAGE_FIELD.fullmatch(name) is not None


def _edit(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """Correct or redact free text of the case, of its statements (whichever organisation gave them)
    and of the dialogue with the reporter."""
    errors: dict = {}
    given = [name for name in EDITABLE if name in payload] + [
        name for name in payload if STATEMENT_FIELD.fullmatch(name) or MESSAGE_FIELD.fullmatch(name)]
    if not given:
        raise Invalid({"fields": [message("Angiv mindst ét af felterne %(choices)s, statement:<id>:question/answer eller message:<id>", choices=', '.join(EDITABLE))]})
    values = {
        "title": lambda: fields.text(payload, "title", errors, required=True, max_len=200, label=lazy_gettext("Overskrift")),
        "description": lambda: fields.text(payload, "description", errors, required=True, min_len=20,
                                     label=lazy_gettext("Beskrivelse")),
        "consequence": lambda: fields.text(payload, "consequence", errors),
        "prevention": lambda: fields.text(payload, "prevention", errors),
    }
    targets = {name: (case, name) for name in given if name in EDITABLE}
    new = {name: values[name]() for name in targets}
    statements = {str(st.id): st for st in case.statements}
    messages = {str(m.id): m for m in case.messages}
    for name in given:
        if (match := MESSAGE_FIELD.fullmatch(name)) is not None:
            if match[1] not in messages:
                errors[name] = [message("Sagen har ingen besked med dette id")]
            else:
                targets[name] = (messages[match[1]], "text")
                new[name] = fields.text(payload, name, errors, required=True, max_len=MESSAGE_MAX_LEN,
                                        label=lazy_gettext("Beskeden"))
            continue
        match = STATEMENT_FIELD.fullmatch(name)
        if match is None:
            continue
        statement, part = statements.get(match[1]), match[2]
        if statement is None:
            errors[name] = [message("Sagen har ingen udtalelse med dette id")]
        elif part == "answer" and statement.answer is None:
            errors[name] = [message("Udtalelsen er ikke afgivet endnu")]
        else:
            targets[name] = (statement, part)
            new[name] = fields.text(payload, name, errors, required=True, max_len=5000 if part == "question" else 20_000,
                              label=lazy_gettext("Spørgsmålet") if part == "question" else lazy_gettext("Udtalelsen"))
    fields.raise_if(errors)
    changed = [name for name in given if getattr(*targets[name]) != new[name]]
    if not changed:
        raise Invalid({"fields": [message("Ingen ændringer at gemme")]})
    for name in changed:
        setattr(*targets[name], new[name])
    _done(actor, case, "edit", now, fields=changed)
    request_purge(case.id, now=now)  # the replaced text is kept nowhere: not in the WAL, not in old index segments


def _reject(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    reason = payload.get("reason") or None
    if not isinstance(reason, str) or reason not in codes("reject_reasons"):
        errors["reason"] = [message("Vælg en begrundelse for afvisningen")]
    comment = fields.text(payload, "comment", errors, required=True, max_len=5000, label=lazy_gettext("Kommentaren"))
    original = _duplicate_of(actor, case, reason, payload.get("duplicate_of"), errors)
    fields.raise_if(errors)
    case.status = workflow.next_status(case.status, "reject")
    case.reject_reason, case.reject_comment, case.duplicate_of = reason, comment, original
    _done(actor, case, "reject", now, reason=reason, comment=comment,
          duplicate_of=original.reference if original else None)


def _duplicate_of(actor: User, case: Case, reason: str | None, raw, errors: dict) -> Case | None:
    """The original of a duplicate: a case the actor can see, not the case itself."""
    reference = raw.strip().upper() if isinstance(raw, str) else ""
    if reason != "duplicate":
        if reference:
            errors["duplicate_of"] = [message("Angives kun ved dobbeltregistrering")]
        return None
    original = db.session.scalar(visible_cases(actor).where(Case.reference == reference)) if reference else None
    if original is None:
        errors["duplicate_of"] = [message("Angiv referencen på den oprindelige sag (en sag du kan se)")]
    elif original.id == case.id:
        errors["duplicate_of"] = [message("En sag kan ikke være dublet af sig selv")]
        return None
    return original


def _close(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """Close with a conclusion, learning and feedback; refused with every blocker at once (SPEC §5, §8)."""
    check = check_close(case, payload)
    if check.blocked:
        raise Blocked(check.blockers(), errors=check.errors, findings=[f.as_dict() for f in check.found],
                      state=check.state_blocked)
    not_personal = payload.get("not_personal") or []
    for name, value in check.texts.items():
        setattr(case, name, value)
    case.status = workflow.next_status(case.status, "close")
    case.closed_at = now
    mail.send_feedback(case, now=now)  # before anonymisation deletes the address
    _done(actor, case, "close", now, accepted_findings=len(not_personal))
    anonymise_case(case, actor, now=now)


def _message_reporter(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    """Ask the reporter a question or tell them something (SPEC §19); the text is kept in the
    dialogue, not in the history or the audit."""
    message = ask_reporter(actor, case, payload, now=now)
    _done(actor, case, "message_reporter", now, message_id=message.id)


def _not_personal(payload: Payload, errors: dict) -> list[str]:
    """The finding ids the handler accepts as not personal data (`not_personal`, optional)."""
    not_personal = payload.get("not_personal") or []
    if not isinstance(not_personal, list) or not all(isinstance(i, str) for i in not_personal):
        errors["not_personal"] = [message("Skal være en liste af fund-id'er")]
        return []
    return not_personal


def _reopen(actor: User, case: Case, payload: Payload, now: datetime) -> None:
    errors: dict = {}
    comment = fields.text(payload, "comment", errors, required=True, max_len=5000, label=lazy_gettext("Begrundelsen"))
    not_personal = _not_personal(payload, errors)
    fields.raise_if(errors)
    _refuse_personal_data_on_closed(case, "comment", comment, not_personal)
    previous = case.status
    case.status = workflow.next_status(case.status, "reopen")
    case.closed_at = None
    case.reject_reason = case.reject_comment = case.duplicate_of = None
    _done(actor, case, "reopen", now, comment=comment, previous=previous)


_ACTIONS: dict[str, Callable[[User, Case, Payload, datetime], None]] = {
    "acknowledge": _acknowledge, "assign": _assign, "transfer": _transfer, "classify": _classify,
    "request_statement": _request_statement, "respond": _respond, "comment": _comment, "edit": _edit,
    "reject": _reject, "close": _close, "reopen": _reopen, "message_reporter": _message_reporter,
    "withdraw_statement": _withdraw_statement, "remind_statement": _remind_statement,
}
