"""Queues e-mails in the outbox, in the same transaction as the change (SPEC §7)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from uth.auth.models import Grant, Role, User
from uth.extensions import db
from uth.notifications.models import OutboxMessage


def enqueue(kind: str, to_address: str, subject: str, body: str, *, now: datetime, case=None) -> OutboxMessage:
    """One message for `uth send-notifications` to deliver."""
    message = OutboxMessage(kind=kind, to_address=to_address, subject=subject, body=body, created_at=now,
                            case_id=getattr(case, "id", None), next_attempt_at=now)
    db.session.add(message)
    return message


def risk_managers_of(org_id: int | None, *roles: Role) -> list[User]:
    """Active users holding one of these roles directly on the organisation."""
    if org_id is None:
        return []
    roles = roles or (Role.RISK_MANAGER,)
    return list(
        db.session.scalars(
            select(User).join(Grant, Grant.user_id == User.id)
            .where(Grant.org_id == org_id, Grant.role.in_([r.value for r in roles]),
                   Grant.active.is_(True), User.active.is_(True))
            .distinct()
        )
    )


def case_url(reference: str) -> str:
    """Absolute link to a case page for e-mails."""
    return f"{current_app.config['UTH_BASE_URL'].rstrip('/')}/cases/{reference}"


def notify_new_case(case, *, now: datetime) -> None:
    """Tell the handling organisation's risk managers that a case is in their queue."""
    for user in risk_managers_of(case.handling_org_id):
        enqueue(
            "case_new", user.email, f"Ny utilsigtet hændelse i din kø: {case.reference}",
            f"Hej {user.name}\n\nDer er modtaget en ny rapport om en utilsigtet hændelse, {case.reference}, "
            f"til {case.handling_org.name}.\n\nSe sagen: {case_url(case.reference)}\n\n"
            "Svarfrist for kvittering: " + case.acknowledge_by.strftime("%d-%m-%Y") + "\n"
            "Frist for afslutning: " + case.close_by.strftime("%d-%m-%Y") + "\n",
            now=now, case=case,
        )
