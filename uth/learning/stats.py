"""Aggregate statistics for forums and central risk managers, with small-cell suppression (SPEC §10, §11).

Scope: a forum member counts the cases whose handling or event organisation lies in one of their
forum's clusters; a central risk manager the cases whose handling (or, unrouted, event/reporting)
organisation lies in their subtree. Rejected cases (test cases, duplicates, work environment) are not
counted. Only counts leave this module, never rows.

Period: one calendar year at a time (`year`, received date in Danish time), never a free range.
Suppression protects the cells of one table, but two tables over overlapping periods can be
subtracted: if the months January–November total 22 with November suppressed, and January–October
total 18, then November was 4. Calendar years do not overlap, so no two tables offered here differ
by a part of a period, and no suppressed cell can be computed as a difference of two totals.

Dimensions (`by`): `event_type` (top-level group, the code before the first dot), `transition`
(top-level transition type), `sector_pair` ("hospital→kommune": the sectors of the transition's
from- and to-organisation), `severity`, `month` (received month in Danish time, "YYYY-MM"; the
year's twelve months, zeros included).

Batch counts (samlerapportering) carry no narrative, transition or severity: under `event_type`
they count in the matching event-type group (`fald` → `fald`, `medicin_ikke_givet` →
`medicinering`, see BATCH_EVENT_GROUP), under `month` in their month, and under `transition`,
`sector_pair` and `severity` in NONE_KEY. So every dimension of a year adds up to the same total
(cases plus batch counts), and no difference between two dimensions' totals reveals a batch total.
Their scope is the same as the cases' (the unit's cluster for forums, the subtree for central risk
managers).

Every table goes through `suppress(counts, UTH_STATS_MIN_CELL)`.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from flask import current_app
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import aliased

from uth.auth.models import Organisation, Role, User
from uth.auth.permissions import in_subtree, scope_paths
from uth.deadlines.rules import local_date, local_midnight
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import message
from uth.learning.batch import FIRST_YEAR
from uth.learning.models import BatchCount
from uth.learning.services import forum_cluster_ids
from uth.learning.suppression import SuppressedTable, suppress
from uth.reports.models import Case, CaseStatus

DIMENSIONS = ("event_type", "transition", "sector_pair", "severity", "month")
NONE_KEY = "none"
BATCH_EVENT_GROUP = {"fald": "fald", "medicin_ikke_givet": "medicinering"}
STATS_ROLES = (Role.FORUM_MEMBER, Role.CENTRAL_RISK_MANAGER)
RETIRED_PERIOD_PARAMS = ("from", "to")


def may_see_stats(actor: User) -> bool:
    """Forum members and central risk managers see statistics (SPEC §1)."""
    return actor.has_role(*STATS_ROLES)


def parse_year(args, now: datetime) -> int:
    """The statistics year from query arguments: `year`, default the current Danish year; 422 otherwise.

    `from`/`to` month ranges are refused by name rather than ignored, so that nobody takes a
    year's table for the range they asked for (see the module docstring for why periods are fixed)."""
    this_year = local_date(now).year
    errors = {name: [message("Statistik vises kun for hele kalenderår: brug year=ÅÅÅÅ")] for name in RETIRED_PERIOD_PARAMS if args.get(name)}
    raw = (args.get("year") or "").strip()
    year = this_year
    if raw:
        year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else 0
        if not FIRST_YEAR <= year <= this_year:
            errors["year"] = [message("Angiv et år fra %(first)s til i år", first=FIRST_YEAR)]
    if errors:
        raise Invalid(errors)
    return year


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


def _counted_cases(actor: User) -> ColumnElement[bool]:
    return _case_scope(actor) & (Case.status != CaseStatus.REJECTED)


def available_years(actor: User, now: datetime) -> list[int]:
    """The years a picker offers: those with a case or a batch count in scope (not before FIRST_YEAR),
    and this year (the default, where new reports go)."""
    this_year = local_date(now).year
    first_case = db.session.scalar(select(func.min(Case.received_at)).where(
        _counted_cases(actor), Case.received_at >= local_midnight(date(FIRST_YEAR, 1, 1))))
    first_batch = db.session.scalar(select(func.min(BatchCount.month)).where(
        _org_scope(BatchCount.org_id, actor), BatchCount.month >= date(FIRST_YEAR, 1, 1)))
    firsts = [local_date(first_case).year] if first_case else []
    firsts += [first_batch.year] if first_batch else []
    return [year for year in range(min([this_year, *firsts]), this_year + 1)
            if year == this_year or _has_data(actor, year)]


def _has_data(actor: User, year: int) -> bool:
    """A case received, or a batch count, in the year (Danish time) within the actor's scope."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    case = select(Case.id).where(_counted_cases(actor), Case.received_at >= start, Case.received_at < end).limit(1)
    batch = select(BatchCount.id).where(_org_scope(BatchCount.org_id, actor), BatchCount.month >= date(year, 1, 1),
                                         BatchCount.month < date(year + 1, 1, 1)).limit(1)
    return db.session.scalar(case) is not None or db.session.scalar(batch) is not None


def _top(code: str | None) -> str:
    return code.split(".", 1)[0] if code else NONE_KEY


def _case_keys(actor: User, by: str, year: int) -> Counter:
    from_org, to_org = aliased(Organisation), aliased(Organisation)
    columns = {
        "event_type": (Case.event_type,), "transition": (Case.transition_type,), "severity": (Case.severity,),
        "month": (Case.received_at,), "sector_pair": (from_org.sector, to_org.sector),
    }[by]
    query = select(*columns).select_from(Case).where(
        _counted_cases(actor), Case.received_at >= local_midnight(date(year, 1, 1)),
        Case.received_at < local_midnight(date(year + 1, 1, 1)))
    if by == "sector_pair":
        query = (query.outerjoin(from_org, from_org.id == Case.transition_from_org_id)
                 .outerjoin(to_org, to_org.id == Case.transition_to_org_id))
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


def _batch_keys(actor: User, by: str, year: int) -> Counter:
    query = select(BatchCount.kind, BatchCount.month, BatchCount.count).where(
        _org_scope(BatchCount.org_id, actor), BatchCount.month >= date(year, 1, 1), BatchCount.month < date(year + 1, 1, 1))
    counts: Counter = Counter()
    for kind, month, count in db.session.execute(query):
        if by == "event_type":
            counts[BATCH_EVENT_GROUP.get(kind, kind)] += count
        elif by == "month":
            counts[f"{year}-{month.month:02d}"] += count
        else:
            counts[NONE_KEY] += count
    return counts


def raw_counts(actor: User, by: str, *, year: int) -> dict[str, int]:
    """Unsuppressed counts per key for one calendar year (never leave the server with these)."""
    if by not in DIMENSIONS:
        raise Invalid({"by": [message("Skal være en af: %(choices)s", choices=', '.join(DIMENSIONS))]})
    counts = _case_keys(actor, by, year) + _batch_keys(actor, by, year)
    if by == "month":
        return {f"{year}-{m:02d}": counts.get(f"{year}-{m:02d}", 0) for m in range(1, 13)}
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] == NONE_KEY, kv[0])))


def statistics(actor: User, by: str, *, year: int) -> SuppressedTable:
    """A publishable table for one calendar year: cells under UTH_STATS_MIN_CELL suppressed, the total safe."""
    return suppress(raw_counts(actor, by, year=year), current_app.config["UTH_STATS_MIN_CELL"])
