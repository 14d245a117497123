"""Aggregate statistics for forums and central risk managers, with small-cell suppression (SPEC §10, §11).

Scope: a forum member counts the cases whose handling or event organisation lies in one of their
forum's clusters; a central risk manager the cases whose handling (or, unrouted, event/reporting)
organisation lies in their subtree. Rejected cases (test cases, duplicates, work environment) are not
counted. Only counts leave this module, never rows.

Dimensions (`by`): `event_type` (top-level group, the code before the first dot), `transition`
(top-level transition type), `sector_pair` ("hospital→kommune": the sectors of the transition's
from- and to-organisation), `severity`, `month` (received month in Danish time, "YYYY-MM"). A case
without a value counts under NONE_KEY, so every dimension adds up to the same case total.

Batch counts (samlerapportering) carry no narrative, transition or severity: they are added to
`event_type` under the matching event-type group (`fald` → `fald`, `medicin_ikke_givet` →
`medicinering`, see BATCH_EVENT_GROUP) and to `month`, and to no other dimension. Their scope is the
same as the cases' (the unit's cluster for forums, the subtree for central risk managers).

Every table goes through `suppress(counts, UTH_STATS_MIN_CELL)`.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from flask import current_app
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import aliased

from uth.auth.models import Organisation, Role, User
from uth.auth.permissions import in_subtree, scope_paths
from uth.deadlines.rules import local_date, local_midnight
from uth.errors import Invalid
from uth.extensions import db
from uth.learning.models import BatchCount
from uth.learning.services import forum_cluster_ids
from uth.learning.suppression import SuppressedTable, suppress
from uth.reports.models import Case, Status

DIMENSIONS = ("event_type", "transition", "sector_pair", "severity", "month")
NONE_KEY = "none"
BATCH_EVENT_GROUP = {"fald": "fald", "medicin_ikke_givet": "medicinering"}
STATS_ROLES = (Role.FORUM_MEMBER, Role.CENTRAL_RISK_MANAGER)


def may_see_stats(actor: User) -> bool:
    """Forum members and central risk managers see statistics (SPEC §1)."""
    return actor.has_role(*STATS_ROLES)


def _org_scope(org_col, actor: User) -> ColumnElement[bool]:
    """The organisation in `org_col` is in the actor's statistics scope."""
    clusters = forum_cluster_ids(actor)
    by_cluster = org_col.in_(select(Organisation.id).where(Organisation.cluster_id.in_(clusters))) if clusters else false()
    return or_(by_cluster, in_subtree(org_col, scope_paths(actor, Role.CENTRAL_RISK_MANAGER)))


def _case_scope(actor: User) -> ColumnElement[bool]:
    clusters = forum_cluster_ids(actor)
    cluster_orgs = select(Organisation.id).where(Organisation.cluster_id.in_(clusters))
    forum = or_(Case.handling_org_id.in_(cluster_orgs), Case.event_org_id.in_(cluster_orgs)) if clusters else false()
    central = scope_paths(actor, Role.CENTRAL_RISK_MANAGER)
    subtree = or_(in_subtree(Case.handling_org_id, central),
                  (Case.handling_org_id.is_(None)) & in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), central))
    return or_(forum, subtree)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _top(code: str | None) -> str:
    return code.split(".", 1)[0] if code else NONE_KEY


def _case_keys(actor: User, by: str, from_month: date | None, to_month: date | None) -> Counter:
    from_org, to_org = aliased(Organisation), aliased(Organisation)
    columns = {
        "event_type": (Case.event_type,), "transition": (Case.transition_type,), "severity": (Case.severity,),
        "month": (Case.received_at,), "sector_pair": (from_org.sector, to_org.sector),
    }[by]
    query = select(*columns).select_from(Case).where(_case_scope(actor), Case.status != Status.REJECTED.value)
    if by == "sector_pair":
        query = (query.outerjoin(from_org, from_org.id == Case.transition_from_org_id)
                 .outerjoin(to_org, to_org.id == Case.transition_to_org_id))
    if from_month:
        query = query.where(Case.received_at >= local_midnight(from_month.replace(day=1)))
    if to_month:
        query = query.where(Case.received_at < local_midnight(_next_month(to_month).replace(day=1)))
    counts: Counter = Counter()
    for row in db.session.execute(query):
        if by == "sector_pair":
            counts[f"{row[0]}→{row[1]}" if row[0] and row[1] else NONE_KEY] += 1
        elif by == "month":
            counts[local_date(row[0]).strftime("%Y-%m")] += 1
        elif by == "severity":
            counts[row[0] or NONE_KEY] += 1
        else:
            counts[_top(row[0])] += 1
    return counts


def _batch_keys(actor: User, by: str, from_month: date | None, to_month: date | None) -> Counter:
    counts: Counter = Counter()
    if by not in ("event_type", "month"):
        return counts
    query = select(BatchCount.kind, BatchCount.month, BatchCount.count).where(_org_scope(BatchCount.org_id, actor))
    if from_month:
        query = query.where(BatchCount.month >= from_month)
    if to_month:
        query = query.where(BatchCount.month <= to_month)
    for kind, month, count in db.session.execute(query):
        counts[BATCH_EVENT_GROUP.get(kind, kind) if by == "event_type" else month.strftime("%Y-%m")] += count
    return counts


def _fill_months(counts: Counter, from_month: date | None, to_month: date | None) -> dict[str, int]:
    """Every month of the range, zeros included, so the time series has no gaps."""
    keys = sorted(counts)
    if not keys and not (from_month and to_month):
        return {}
    month = from_month or date(int(keys[0][:4]), int(keys[0][5:]), 1)
    last = to_month or date(int(keys[-1][:4]), int(keys[-1][5:]), 1)
    filled: dict[str, int] = {}
    while month <= last and len(filled) < 240:
        filled[month.strftime("%Y-%m")] = counts.get(month.strftime("%Y-%m"), 0)
        month = _next_month(month)
    return filled


def raw_counts(actor: User, by: str, *, from_month: date | None = None, to_month: date | None = None) -> dict[str, int]:
    """Unsuppressed counts per key (never leave the server with these)."""
    if by not in DIMENSIONS:
        raise Invalid({"by": [f"Skal være en af: {', '.join(DIMENSIONS)}"]})
    if from_month and to_month and from_month > to_month:
        raise Invalid({"from": ["Startmåneden ligger efter slutmåneden"]})
    counts = _case_keys(actor, by, from_month, to_month) + _batch_keys(actor, by, from_month, to_month)
    if by == "month":
        return _fill_months(counts, from_month, to_month)
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] == NONE_KEY, kv[0])))


def statistics(actor: User, by: str, *, from_month: date | None = None, to_month: date | None = None) -> SuppressedTable:
    """A publishable table: cells under UTH_STATS_MIN_CELL suppressed, the total safe."""
    counts = raw_counts(actor, by, from_month=from_month, to_month=to_month)
    return suppress(counts, current_app.config["UTH_STATS_MIN_CELL"])
