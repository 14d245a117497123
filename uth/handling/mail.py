"""E-mails that workflow actions queue in the outbox (SPEC §7), in Danish."""
from __future__ import annotations

from datetime import datetime


from uth.auth.models import Organisation, Role, User
from uth.notifications.services import absolute_url, case_url, enqueue, risk_managers_of
from uth.reports.models import Case, Statement


def responsible_risk_managers(org: Organisation) -> list[User]:
    """The risk managers answering for an organisation: its own, else the nearest ancestor's (as routing walks up)."""
    for org_id in reversed(org.ancestor_ids() or [org.id]):
        users = risk_managers_of(org_id, Role.RISK_MANAGER)
        if users:
            return users
    return []


def send_receipt(case: Case, *, now: datetime) -> None:
    """Receipt to the reporter: the reference only, no case content (the mail may be read by others)."""
    if not case.reporter_email:
        return
    enqueue("receipt", case.reporter_email, f"Kvittering for din indberetning {case.reference}",
            f"Tak for din indberetning af en utilsigtet hændelse.\n\nDen er modtaget og registreret med "
            f"referencen {case.reference}, og den bliver nu behandlet af en risikomanager.\n\n"
            f"Du kan følge status med din kvitteringskode på {absolute_url('/public/status')}\n",
            now=now, case=case)


def send_feedback(case: Case, *, now: datetime) -> None:
    """Feedback to the reporter when the case is closed (sent before anonymisation deletes the address)."""
    if not case.reporter_email:
        return
    enqueue("feedback", case.reporter_email, f"Din indberetning {case.reference} er afsluttet",
            f"Din indberetning {case.reference} er nu afsluttet.\n\nTilbagemelding fra risikomanageren:\n"
            f"{case.feedback}\n\nTak fordi du var med til at gøre behandlingen mere sikker.\n",
            now=now, case=case)


def _to_asked_org(statement: Statement, kind: str, subject: str, body: str, *, now: datetime) -> None:
    """One mail per risk manager of the organisation asked for a statement; `body` follows "Hej <name>"
    and may name {asker}, {org}, {ref}, {due} and {url}."""
    case = statement.case
    values = {"asker": case.handling_org.name if case.handling_org else "Risikomanageren", "org": statement.org.name,
              "ref": case.reference, "due": statement.respond_by.strftime("%d-%m-%Y"), "url": case_url(case.reference)}
    for user in responsible_risk_managers(statement.org):
        enqueue(kind, user.email, subject.format(**values), f"Hej {user.name}\n\n" + body.format(**values),
                now=now, case=case)


def send_statement_request(statement: Statement, *, now: datetime) -> None:
    """Tell the asked organisation's risk managers that a statement is wanted, and by when."""
    _to_asked_org(statement, "statement_requested", "Anmodning om udtalelse: {ref}",
                  "{asker} beder {org} om en udtalelse i sagen {ref}.\n\nSvar senest {due} på {url}\n", now=now)


def send_transferred(case: Case, *, now: datetime) -> None:
    """Tell the new handling organisation's risk managers that a case moved into their queue."""
    for user in responsible_risk_managers(case.handling_org):
        enqueue("case_transferred", user.email, f"Sag overført til din kø: {case.reference}",
                f"Hej {user.name}\n\nSagen {case.reference} er overført til {case.handling_org.name}.\n\n"
                f"Se sagen: {case_url(case.reference)}\n\nFristerne løber videre: afsluttes senest "
                f"{case.close_by.strftime('%d-%m-%Y')}.\n",
                now=now, case=case)


def send_statement_reminder(statement: Statement, *, now: datetime) -> None:
    """Remind the asked organisation's risk managers of a statement still awaited."""
    _to_asked_org(statement, "statement_reminder", "Påmindelse: udtalelse i {ref}",
                  "{asker} venter stadig på {org}s udtalelse i sagen {ref}.\n\nSvarfristen er {due}. Svar på {url}\n",
                  now=now)


def send_statement_withdrawn(statement: Statement, *, now: datetime) -> None:
    """Tell the asked organisation's risk managers that no statement is wanted any more."""
    _to_asked_org(statement, "statement_withdrawn", "Anmodning om udtalelse trukket tilbage: {ref}",
                  "{asker} har trukket anmodningen om en udtalelse fra {org} i sagen {ref} tilbage. "
                  "Der skal ikke svares.\n", now=now)
