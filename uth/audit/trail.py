"""Reading the audit trail (SPEC §13): who may see which entries, filters, paging, CSV rows."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true

from uth.audit.models import AuditEntry
from uth.auth.models import Role, User
from uth.csvsafe import csv_text
from uth.auth.permissions import in_subtree, scope_paths
from uth.deadlines.rules import FILTER_YEARS, filter_date_in_range, local_midnight
from uth.i18n import message

CSV_COLUMNS = ("at", "actor", "action", "reference", "purpose", "ip", "detail")


def may_read_trail(actor: User) -> bool:
    """Central risk managers and admins read the trail."""
    return actor.has_role(Role.ADMIN, Role.CENTRAL_RISK_MANAGER)


@dataclass(frozen=True)
class CaseLookup:
    """How the trail finds cases (they live in a higher layer, which passes this in):
    `under(paths)` selects the ids of the cases handled in or happening in those subtrees,
    `by_reference(reference)` the id of the case with that reference."""

    under: Callable[[list[str]], Select]
    by_reference: Callable[[str], Select]


def visible_entries_clause(actor: User, cases: CaseLookup) -> ColumnElement[bool]:
    """Admins: every entry; central risk managers: entries of cases and organisations in their subtree."""
    if actor.has_role(Role.ADMIN):
        return true()
    paths = scope_paths(actor, Role.CENTRAL_RISK_MANAGER)
    if not paths:
        return false()
    return or_(AuditEntry.case_id.in_(cases.under(paths)),
               (AuditEntry.case_id.is_(None)) & in_subtree(AuditEntry.org_id, paths))


def may_read_case_trail(actor: User, case) -> bool:
    """The case's trail: admins, and central risk managers over its handling or event organisation."""
    if actor.has_role(Role.ADMIN):
        return True
    paths = scope_paths(actor, Role.CENTRAL_RISK_MANAGER)
    orgs = [o for o in (case.handling_org, case.effective_org) if o is not None]
    return any(o.path.startswith(p) for o in orgs for p in paths)


@dataclass
class TrailFilter:
    """Filters of the trail page and CSV export."""

    reference: str = ""
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args) -> tuple[TrailFilter, dict[str, list[str]]]:
        """Parse query arguments; bad dates become field errors and are ignored."""
        errors: dict[str, list[str]] = {}
        found = cls(reference=args.get("reference", "").strip(), actor=args.get("actor", "").strip(),
                    action=args.get("action", "").strip())
        for name in ("date_from", "date_to"):
            raw = args.get(name, "").strip()
            if raw:
                try:
                    day = date.fromisoformat(raw)
                except ValueError:
                    errors[name] = [message("Ugyldig dato (brug ÅÅÅÅ-MM-DD)")]
                    continue
                if filter_date_in_range(day):
                    setattr(found, name, day)
                else:
                    errors[name] = [message("Året skal være fra %(first)s til %(last)s", first=FILTER_YEARS[0],
                                            last=FILTER_YEARS[1])]
        return found, errors

    def apply(self, query: Select, cases: CaseLookup) -> Select:
        """Narrow a query of audit entries."""
        if self.reference:
            query = query.where(AuditEntry.case_id.in_(cases.by_reference(self.reference)))
        if self.actor:
            query = query.where(func.lower(AuditEntry.actor_label).contains(self.actor.lower(), autoescape=True))
        if self.action:
            query = query.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.date_from:
            query = query.where(AuditEntry.at >= local_midnight(self.date_from))
        if self.date_to:
            query = query.where(AuditEntry.at < local_midnight(self.date_to + timedelta(days=1)))
        return query



def trail_query(actor: User, filters: TrailFilter, cases: CaseLookup) -> Select:
    """Visible entries matching the filters, newest first."""
    query = select(AuditEntry).where(visible_entries_clause(actor, cases))
    return filters.apply(query, cases).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entry_json(entry: AuditEntry) -> dict:
    """An entry as the API shows it."""
    return {"at": entry.at.isoformat(), "actor": entry.actor_label, "action": entry.action,
            "detail": entry.detail or {}, "purpose": entry.purpose, "ip": entry.ip, "hash": entry.hash}


def trail_csv(entries, references: dict[int, str]) -> str:
    """The entries as CSV (one header line), for the trail's export; no cell is read as a formula."""
    rows = ([e.at.isoformat(), e.actor_label, e.action, references.get(e.case_id, ""), e.purpose or "", e.ip or "",
             json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True)] for e in entries)
    return csv_text([CSV_COLUMNS, *rows])

