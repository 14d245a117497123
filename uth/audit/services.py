"""Writes audit entries in the caller's transaction (SPEC §13)."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request

from uth.audit.models import AuditEntry
from uth.auth.models import User
from uth.extensions import db


def actor_label(actor: User | None) -> str:
    """How the audit names an actor: the e-mail, or 'public' / 'system'."""
    if actor is None:
        return "public"
    if isinstance(actor, str):
        return actor
    return actor.email


def record(actor: User | str | None, action: str, *, now: datetime, case=None, obj=None, org_id: int | None = None,
           detail: dict | None = None, purpose: str | None = None) -> AuditEntry:
    """Append one entry; never names personal data or replaced text in `detail`."""
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else ("case" if case is not None else None),
        object_id=getattr(obj, "id", None) if obj is not None else getattr(case, "id", None),
        case_id=getattr(case, "id", None),
        org_id=org_id if org_id is not None else getattr(case, "handling_org_id", None),
        detail=detail or {},
        ip=request.headers.get("X-Forwarded-For", request.remote_addr) if has_request_context() else None,
        purpose=purpose,
    )
    db.session.add(entry)
    return entry


def holds_personal_data(case) -> bool:
    """Patient or reporter identity still on the case (closing deletes them)."""
    return any((case.patient_cpr, case.patient_name, case.reporter_name, case.reporter_email, case.reporter_phone))


def record_case_view(actor: User, case, *, now: datetime, shown: list[str]) -> None:
    """A view of a case that holds personal data (SPEC §13): who, when, and which identities were
    shown (`reporter`). Opening the patient's data is recorded with its purpose instead."""
    if holds_personal_data(case):
        record(actor, "case.viewed", now=now, case=case, detail={"reference": case.reference, "shown": shown})


def api_purpose(actor: User, case, *, now: datetime) -> str | None:
    """The purpose an API caller gives for opening patient data (`?purpose=` or X-UTH-Purpose); audited and committed."""
    from uth.auth.permissions import can_see_patient

    purpose = (request.args.get("purpose") or request.headers.get("X-UTH-Purpose") or "").strip()[:500]
    if not purpose or not can_see_patient(actor, case) or not (case.patient_cpr or case.patient_name):
        return None
    record(actor, "case.personal_data_viewed", now=now, case=case, detail={"reference": case.reference}, purpose=purpose)
    db.session.commit()
    return purpose
