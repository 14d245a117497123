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


ANONYMOUS = "anonymous"  # the actor of what an anonymous reporter does about their own report


def record(actor: User | str | None, action: str, *, now: datetime, case=None, obj=None, org_id: int | None = None,
           detail: dict | None = None, purpose: str | None = None, anonymous: bool = False) -> AuditEntry:
    """Append one entry; never names personal data or replaced text in `detail`.

    `anonymous`: the actor is a reporter who asked to stay anonymous (SPEC §3: only the owning
    organisation's risk managers may know who they are, and those see it on the case, not in the
    trail that admins and other organisations' central risk managers read): neither the account nor
    the address is kept in the entry.
    """
    if anonymous:
        actor = ANONYMOUS
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
        ip=request.remote_addr if has_request_context() and not anonymous else None,  # a proxy's X-Forwarded-For only with UTH_PROXY_HOPS
        purpose=purpose,
    )
    db.session.add(entry)
    return entry
