"""Samlerapportering (SPEC §11): falls and medicine not given as counts per unit and month,
editable until a risk manager locks the month for their subtree.

A month is a real "YYYY-MM" from FIRST_YEAR up to the current (Danish) month; a count is a whole
number from 0 to MAX_COUNT per unit, kind and month (far above any real month of one unit, and far
below the database's integer limit)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import or_, select

from uth.audit.services import record
from uth.auth.models import Organisation, Role, User
from uth.auth.permissions import scope_paths
from uth.deadlines.rules import local_date
from uth.errors import Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.i18n import message
from uth.learning.models import BATCH_KINDS, BatchCount, BatchMonthLock

BATCH_ROLES = (Role.REPORTER, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
LOCK_ROLES = (Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
FIRST_YEAR = 2000
MAX_COUNT = 100_000
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_FORMAT = message("Angiv måned som ÅÅÅÅ-MM fra år %(first)s", first=FIRST_YEAR)


def parse_month(value: str | None, field: str = "month") -> date:
    """"YYYY-MM" (year FIRST_YEAR or later) as the first day of that month, or 422 naming the field."""
    match = _MONTH_RE.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < FIRST_YEAR:
        raise Invalid({field: [_MONTH_FORMAT]})
    return date(int(match.group(1)), int(match.group(2)), 1)


def current_month(now: datetime) -> date:
    """The first day of the local (Danish) month of `now`."""
    return local_date(now).replace(day=1)


def _orgs_under(paths: list[str]) -> list[Organisation]:
    if not paths:
        return []
    return list(db.session.scalars(
        select(Organisation).where(or_(*[Organisation.path.like(p + "%") for p in paths]), Organisation.active.is_(True))
        .order_by(Organisation.path)))


def batch_units(actor: User) -> list[Organisation]:
    """Units the actor may count for: the subtrees of their reporter and risk-manager grants."""
    return _orgs_under(scope_paths(actor, *BATCH_ROLES))


def lock_units(actor: User) -> list[Organisation]:
    """Organisations whose months the actor may lock (risk-manager grants, their own organisations)."""
    return [g.org for g in actor.active_grants(*LOCK_ROLES) if g.org is not None]


def is_locked(org: Organisation, month: date) -> bool:
    """True when the month is locked for the organisation or any organisation above it."""
    return db.session.scalar(select(BatchMonthLock.id).where(
        BatchMonthLock.org_id.in_(org.ancestor_ids()), BatchMonthLock.month == month).limit(1)) is not None


def counts_for(units: list[Organisation], month: date) -> dict[tuple[int, str], int]:
    """Stored counts of the month for these units, keyed by (org id, kind)."""
    ids = [u.id for u in units]
    if not ids:
        return {}
    rows = db.session.scalars(select(BatchCount).where(BatchCount.org_id.in_(ids), BatchCount.month == month))
    return {(r.org_id, r.kind): r.count for r in rows}


def _parse_count(raw, key: str, errors: dict) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip()) if not isinstance(raw, bool) else -1
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_COUNT:
        errors[key] = [message("Skal være et helt tal fra 0 til %(max)s", max=MAX_COUNT)]
        return None
    return value


def save_counts(actor: User, month: date, counts: Mapping[tuple[str, str], object], *, now: datetime) -> int:
    """Store counts keyed by (org code, kind); blank leaves a count unchanged. 404 outside scope, 409 when locked."""
    if month > current_month(now):
        raise Invalid({"month": [message("Der kan ikke tælles for en fremtidig måned")]})
    if month.year < FIRST_YEAR:
        raise Invalid({"month": [_MONTH_FORMAT]})
    units = {u.code: u for u in batch_units(actor)}
    errors: dict = {}
    parsed: list[tuple[Organisation, str, int]] = []
    for (code, kind), raw in counts.items():
        if code not in units:
            raise NotFound(message("Enheden findes ikke"))
        if kind not in BATCH_KINDS:
            errors[f"{code}_{kind}"] = [message("Ukendt type")]
            continue
        value = _parse_count(raw, f"{code}_{kind}", errors)
        if value is not None:
            parsed.append((units[code], kind, value))
    if errors:
        raise Invalid(errors)
    for org in {org.id: org for org, _, _ in parsed}.values():
        if is_locked(org, month):
            raise InvalidTransition(f"Måneden {month:%Y-%m} er låst for {org.name}")
    existing = {(r.org_id, r.kind): r for r in db.session.scalars(
        select(BatchCount).where(BatchCount.month == month, BatchCount.org_id.in_([o.id for o, _, _ in parsed] or [0])))}
    for org, kind, value in parsed:
        row = existing.get((org.id, kind))
        if row is None:
            row = BatchCount(org_id=org.id, month=month, kind=kind)
            db.session.add(row)
        row.count, row.updated_by_id, row.updated_at = value, actor.id, now
    db.session.flush()
    record(actor, "batch.saved", now=now, detail={"month": f"{month:%Y-%m}", "cells": len(parsed)})
    return len(parsed)


def lock_month(actor: User, org_code: str, month: date, *, now: datetime) -> BatchMonthLock:
    """Lock a month for an organisation's subtree; a second lock is a no-op."""
    org = next((o for o in lock_units(actor) if o.code == org_code), None)
    if org is None:
        raise NotFound(message("Organisationen findes ikke"))
    lock = db.session.scalar(select(BatchMonthLock).where(BatchMonthLock.org_id == org.id, BatchMonthLock.month == month))
    if lock is None:
        lock = BatchMonthLock(org_id=org.id, month=month, locked_at=now, locked_by_id=actor.id)
        db.session.add(lock)
        db.session.flush()
        record(actor, "batch.locked", now=now, org_id=org.id, detail={"month": f"{month:%Y-%m}", "org": org.code})
    return lock
