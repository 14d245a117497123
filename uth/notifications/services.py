"""Queues e-mails in the outbox, in the same transaction as the change (SPEC §7).

E-mails carry no personal data and no case free text: the reference, the deadline, the
organisation's name and a link to the case page (where access is checked) only.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from uth.auth.models import Grant, Organisation, Role, User
from uth.bulk import insert_rows
from uth.extensions import db
from uth.notifications.models import OutboxMessage, OutboxStatus


def _message(kind: str, to_address: str, subject: str, body: str, *, now: datetime, case=None) -> dict:
    return {"kind": kind, "to_address": to_address, "subject": subject, "body": body, "created_at": now,
            "case_id": getattr(case, "id", None), "next_attempt_at": now, "status": OutboxStatus.PENDING, "attempts": 0}


def enqueue(kind: str, to_address: str, subject: str, body: str, *, now: datetime, case=None) -> OutboxMessage:
    """One message for `uth send-notifications` to deliver."""
    message = OutboxMessage(**_message(kind, to_address, subject, body, now=now, case=case))
    db.session.add(message)
    return message


def enqueue_rows(messages: list[dict]) -> None:
    """Messages (as `_message` builds them) inserted at once by the driver (`bulk.insert_rows`), no unit
    of work: for a case already flushed, in a transaction holding the write lock (a submission)."""
    insert_rows(db.session(), OutboxMessage.__table__, messages)


def _users_with_grant(org_ids: list[int], roles: tuple[Role, ...]) -> list[User]:
    """Active users holding an active grant of one of these roles directly on one of these organisations."""
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            select(User).join(Grant, Grant.user_id == User.id)
            .where(Grant.org_id.in_(org_ids), Grant.role.in_([r.value for r in roles]),
                   Grant.active.is_(True), User.active.is_(True))
            .distinct().order_by(User.email)
        )
    )


def risk_managers_of(org_id: int | None, *roles: Role) -> list[User]:
    """Active users holding one of these roles directly on the organisation."""
    if org_id is None:
        return []
    return _users_with_grant([org_id], roles or (Role.RISK_MANAGER,))


def central_risk_managers_above(org: Organisation | None) -> list[User]:
    """Central risk managers whose scope covers the organisation (granted on it or an ancestor)."""
    if org is None:
        return []
    return _users_with_grant(org.ancestor_ids() or [org.id], (Role.CENTRAL_RISK_MANAGER,))


def absolute_url(path: str) -> str:
    """An absolute link for e-mails: the configured base URL and a path starting with '/'."""
    return f"{current_app.config['UTH_BASE_URL'].rstrip('/')}{path}"


def case_url(reference: str) -> str:
    """Absolute link to a case page for e-mails."""
    return absolute_url(f"/cases/{reference}")


def reporter_link(case) -> str:
    """Where the reporter reads and answers: their report page when they reported signed in, the
    status page (code typed in, never in the link) for a public report."""
    if case.reporter_user_id is not None:
        return absolute_url(f"/reports/mine/{case.reference}")
    return absolute_url("/public/status")


def dk_date(day: date) -> str:
    """A date as Danes write it in a letter: 23-11-2026."""
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"


def notify_new_case(case, recipients: list[str], *, now: datetime) -> None:
    """Tell the handling organisation's risk managers (`recipients`: their addresses, looked up by the
    caller before it writes) that a case is in their queue; the case has its id (it was flushed)."""
    if case.handling_org is None or not recipients:
        return
    subject = f"Ny utilsigtet hændelse i jeres kø: {case.reference}"
    body = (f"Hej\n\nDer er modtaget en ny rapport om en utilsigtet hændelse, {case.reference}, "
            f"til {case.handling_org.name}.\n\n"
            f"Frist for kvittering til indberetteren: {dk_date(case.acknowledge_by)}\n"
            f"Frist for afslutning af sagen: {dk_date(case.close_by)}\n\n"
            f"Se sagen: {case_url(case.reference)}\n\n"
            "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n")
    enqueue_rows([_message("case_new", address, subject, body, now=now, case=case) for address in recipients])


# What each deadline is for, in the e-mail's words (deadline names of uth.reports.presenters.open_deadlines).
DEADLINE_TEXTS = {
    "acknowledge_by": "kvittering til indberetteren",
    "close_by": "afslutning af sagen (90 dage)",
    "respond_by": "svar på anmodning om udtalelse",
}


def deadline_text(name: str) -> str:
    """Danish words for a deadline name such as "respond_by:12"."""
    return DEADLINE_TEXTS.get(name.split(":", 1)[0], name)


def notify_overdue(case, deadline: str, due_on: date, recipients: list[User], *, now: datetime) -> int:
    """Tell each recipient once that a deadline of the case has passed; returns the number queued."""
    what = deadline_text(deadline)
    where = case.handling_org.name if case.handling_org else "ingen organisation (sagen er ikke routet)"
    sent: set[str] = set()
    for user in recipients:
        if user.email in sent:
            continue
        sent.add(user.email)
        enqueue(
            "deadline_overdue", user.email, f"Frist overskredet: {case.reference} ({what})",
            f"Hej\n\nFristen for {what} i sagen {case.reference} udløb {dk_date(due_on)} og er nu overskredet.\n\n"
            f"Sagen håndteres af: {where}\n\n"
            + ("Den spurgte organisation svarer på sagens side; den, der håndterer sagen, kan sende en påmindelse "
               "eller trække anmodningen tilbage med en begrundelse.\n\n" if deadline.startswith("respond_by") else "") +
            f"Se sagen: {case_url(case.reference)}\n\n"
            "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n",
            now=now, case=case,
        )
    return len(sent)


def admins() -> list[User]:
    """Active users holding an active admin grant."""
    return list(db.session.scalars(
        select(User).join(Grant, Grant.user_id == User.id)
        .where(Grant.role == Role.ADMIN.value, Grant.active.is_(True), User.active.is_(True))
        .distinct().order_by(User.email)
    ))


def notify_unrouted(case, *, now: datetime) -> int:
    """Tell every admin that a case reaches nobody (SPEC §24): the reference and where, no case content."""
    where = case.effective_org.name if case.effective_org else "ukendt organisation"
    link = absolute_url("/admin/routing")
    recipients = admins()
    for user in recipients:
        enqueue(
            "case_unrouted", user.email, f"Sag uden modtager: {case.reference}",
            f"Hej\n\nSagen {case.reference} om en hændelse i {where} kunne ikke routes: ingen regel passer, "
            "og ingen risikomanager eller central risikomanager over organisationen kan se den.\n\n"
            f"Tilføj en routingregel, eller giv en risikomanager adgang: {link}\n\n"
            "Denne e-mail er sendt automatisk af UTH og kan ikke besvares.\n",
            now=now, case=case,
        )
    return len(recipients)
