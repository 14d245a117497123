"""The dialogue with the reporter (SPEC §19): the handling risk managers ask, the reporter answers or
adds information later, by receipt code or in *Mine indberetninger*, without revealing who they are.

Messages are free text of the case: scanned at close (`message:<id>`), redactable with `edit`,
cleaned at anonymisation. They belong to the handling organisation's full view only: the limited
view of involved organisations, the queue and the search index carry none. E-mails about a message
hold a link and the reference, never the text.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from uth.audit.services import record
from uth.auth.models import User
from uth.errors import Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.fields import text as text_rule
from uth.i18n import lazy_gettext, message
from uth.notifications.services import (case_url, central_risk_managers_above, dk_date, enqueue, reporter_link,
                                        risk_managers_of)
from uth.reports.models import Case, CaseMessage, CaseStatus
from uth.reports.services import add_event

RISK_MANAGER, REPORTER = "risk_manager", "reporter"
SENDERS = (RISK_MANAGER, REPORTER)
MESSAGE_FIELDS = ("text",)  # what a message body takes (the API refuses any other field)
MAX_LEN = 5000
# A message as the anonymisation scanner and `edit` name it (e.g. "message:12").
MESSAGE_FIELD = re.compile(r"message:(\d+)")

# The status in the reporter's words (SPEC §19 `status_text`).
STATUS_TEXTS = {
    CaseStatus.NEW: lazy_gettext("Din indberetning er modtaget. Den venter på at blive set af en risikomanager."),
    CaseStatus.ACKNOWLEDGED: lazy_gettext("En risikomanager har set din indberetning og går i gang med den."),
    CaseStatus.IN_PROGRESS: lazy_gettext("En risikomanager er i gang med at undersøge hændelsen."),
    CaseStatus.AWAITING_STATEMENT: lazy_gettext("Risikomanageren har bedt et andet sted, der var med i forløbet, "
                                       "om en udtalelse og venter på svar."),
    CaseStatus.CLOSED: lazy_gettext("Sagen er færdigbehandlet. Læs tilbagemeldingen fra risikomanageren."),
    CaseStatus.REJECTED: lazy_gettext("Sagen er lukket uden videre behandling."),
}


NEW_AND_ASKED = lazy_gettext("Din indberetning er modtaget, og en risikomanager har skrevet til dig.")


def status_text(case: Case) -> str:
    """What the case's state means to its reporter, in plain words in the current language. A new case
    the risk manager has already written about has been seen: "waiting to be seen" above their
    question would be untrue."""
    if case.status == CaseStatus.NEW and any(m.sender == RISK_MANAGER for m in case.messages):
        return str(NEW_AND_ASKED)
    return str(STATUS_TEXTS.get(case.status, case.status))


def message_json(message: CaseMessage) -> dict:
    """A message as the API shows it [contract]: never the author of a reporter's message."""
    return {"id": message.id, "at": message.at.isoformat(), "sender": message.sender, "text": message.text}


def messages_json(case: Case) -> list[dict]:
    """The case's dialogue, oldest first."""
    return [message_json(m) for m in case.messages]


def _message_text(payload: dict) -> str:
    errors: dict = {}
    if not isinstance(payload, dict):
        raise Invalid({"body": [message("Forventede et JSON-objekt")]})
    text = text_rule(payload, "text", errors, required=True, min_len=1, max_len=MAX_LEN, label=lazy_gettext("Beskeden"))
    if errors:
        raise Invalid(errors)
    return text


def _add(case: Case, sender: str, text: str, *, author: User | None, now: datetime) -> CaseMessage:
    message = CaseMessage(at=now, sender=sender, author_id=author.id if author is not None else None, text=text)
    case.messages.append(message)
    case.updated_at = now
    db.session.flush()
    return message


def ask_reporter(actor: User, case: Case, payload: dict, *, now: datetime) -> CaseMessage:
    """A handling risk manager writes to the reporter (the `message_reporter` action, which checks
    rights and state): the message, and a mail with a link when the reporter gave an address. The
    caller records history and audit with the action."""
    message = _add(case, RISK_MANAGER, _message_text(payload), author=actor, now=now)
    _mail_reporter(case, now=now)
    return message


def reporter_writes(actor: User | None, case: Case, payload: dict, *, now: datetime) -> CaseMessage:
    """The reporter answers or adds information (by receipt code: `actor` None; or signed in as the
    staff member who reported it). 409 once the case is closed or rejected, 422 for bad text.
    History and audit name no one: an anonymous reporter stays anonymous."""
    if not case.is_open:
        raise InvalidTransition(message("Sagen er afsluttet og kan ikke modtage flere beskeder"))
    written = _add(case, REPORTER, _message_text(payload), author=None, now=now)
    add_event(case, None, "reporter_message", now=now, message_id=written.id)
    record(actor, "case.reporter_message", now=now, case=case, anonymous=case.reporter_anonymous,
           detail={"reference": case.reference, "message_id": written.id})
    _mail_handlers(case, now=now)
    return written


def own_case(actor: User, reference: str) -> Case:
    """A case the actor reported (staff), or NotFound: nobody else may read or write its dialogue."""
    case = db.session.scalar(select(Case).where(Case.reference == reference, Case.reporter_user_id == actor.id))
    if case is None:
        raise NotFound(message("Indberetningen findes ikke"))
    return case


def handlers_to_tell(case: Case) -> list[User]:
    """Who hears of a reporter's message: the handling organisation's risk managers and the case's
    handler (central risk managers above the event for an unrouted case)."""
    users = (risk_managers_of(case.handling_org_id) if case.handling_org is not None
             else central_risk_managers_above(case.effective_org))
    if case.assignee is not None and case.assignee.active and case.assignee not in users:
        users.append(case.assignee)
    return users


def _mail_reporter(case: Case, *, now: datetime) -> None:
    if not case.reporter_email:
        return
    how = ("Log ind og åbn indberetningen" if case.reporter_user_id is not None
           else "Åbn siden og skriv din kvitteringskode")
    enqueue("reporter_message", case.reporter_email, f"Risikomanageren har skrevet til dig om {case.reference}",
            f"Hej\n\nRisikomanageren, der behandler din indberetning {case.reference}, har skrevet til dig.\n\n"
            f"{how} for at læse beskeden og svare: {reporter_link(case)}\n\n"
            "Af hensyn til fortroligheden står beskeden ikke i denne e-mail.\n"
            "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n",
            now=now, case=case)


def _mail_handlers(case: Case, *, now: datetime) -> None:
    for user in handlers_to_tell(case):
        enqueue("reporter_replied", user.email, f"Indberetteren har skrevet i sagen {case.reference}",
                f"Hej {user.name}\n\nIndberetteren har skrevet en besked i sagen {case.reference}.\n\n"
                f"Se sagen: {case_url(case.reference)}\n\n"
                f"Sagen afsluttes senest {dk_date(case.close_by)}.\n"
                "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n",
                now=now, case=case)

