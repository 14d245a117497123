"""Searching what the actor may see: scope and filters in SQL first, then the engine, then the rows
re-read from the database in hit order (SPEC §12)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.sql.expression import SelectBase

from uth.auth.models import Organisation, Role, User
from uth.auth.orgs import get_org
from uth.auth.permissions import has_case_role, in_subtree
from uth.deadlines.rules import FILTER_YEARS, filter_date_in_range, local_midnight
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import message
from uth.reports.models import CASE_STATUSES, OPEN_STATUSES, Case
from uth.reports.visibility import sees_every_case, visible_case_ids, visible_cases_clause
from uth.taxonomy.services import codes, under

from .backend import FacetFilter, QuerySyntaxError
from .documents import source_of
from .indexing import catch_up, get_backend

ORDERS = ("relevance", "date")
KINDS = ("case", "learning")


@dataclass
class SearchFilters:
    """What a search can be narrowed by; dates are Copenhagen calendar days, both inclusive."""

    status: list[str] | None = None
    org: Organisation | None = None
    event_type: str | None = None
    severity: list[str] | None = None
    received_from: date | None = None
    received_to: date | None = None


@dataclass
class Result:
    """One hit with its row: a Case, or the row of another registered kind (a learning summary)."""

    kind: str
    obj: object
    snippet: str
    score: float


def _date(args: Mapping[str, str], name: str, errors: dict) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[name] = [message("Angiv en dato som ÅÅÅÅ-MM-DD")]
        return None
    if not filter_date_in_range(day):
        errors[name] = [message("Året skal være fra %(first)s til %(last)s", first=FILTER_YEARS[0], last=FILTER_YEARS[1])]
        return None
    return day


def _list(args: Mapping[str, str], name: str) -> list[str]:
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def filters_from_args(args: Mapping[str, str]) -> SearchFilters:
    """SearchFilters from query parameters (shared by the page and the API); 422 naming bad ones."""
    errors: dict[str, list[str]] = {}
    statuses = _list(args, "status")
    if "open" in statuses:
        statuses = [s for s in statuses if s != "open"] + list(OPEN_STATUSES)
    if any(s not in CASE_STATUSES for s in statuses):
        errors["status"] = [message("Ukendt status")]
    severities = _list(args, "severity")
    if any(s not in codes("severities") for s in severities):
        errors["severity"] = [message("Ukendt alvorlighed")]
    event_type = (args.get("event_type") or "").strip() or None
    if event_type and event_type not in codes("event_types"):
        errors["event_type"] = [message("Ukendt hændelsestype")]
    org = None
    if (args.get("org") or "").strip():
        org = get_org(args["org"].strip())
        if org is None:
            errors["org"] = [message("Ukendt organisation")]
    received_from, received_to = _date(args, "received_from", errors), _date(args, "received_to", errors)
    if received_from and received_to and received_from > received_to:
        errors["received_to"] = [message("Slutdatoen ligger før startdatoen")]
    if errors:
        raise Invalid(errors)
    return SearchFilters(statuses or None, org, event_type, severities or None, received_from, received_to)


EVERY_CASE = "every case"  # allowed_case_ids: no restriction at all, the engine need not be given ids


def _conditions(filters: SearchFilters) -> list:
    """The filters as SQL conditions on Case."""
    conditions = []
    if filters.status:
        conditions.append(Case.status.in_(filters.status))
    if filters.org is not None:
        paths = [filters.org.path]  # handled in, or happened in, the organisation's subtree (as the queue)
        conditions.append(or_(in_subtree(Case.handling_org_id, paths),
                              in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), paths)))
    if filters.event_type:
        conditions.append(under(Case.event_type, filters.event_type))
    if filters.severity:
        conditions.append(Case.severity.in_(filters.severity))
    if filters.received_from:
        conditions.append(Case.received_at >= local_midnight(filters.received_from))
    if filters.received_to:
        conditions.append(Case.received_at < local_midnight(filters.received_to + timedelta(days=1)))
    return conditions


def facet_scope(actor: User) -> tuple[int, ...]:
    """The actor's scope as `CaseFacets.scope_org_ids` holds it: the organisations of their case
    roles, and, negated, those of their central ones (`visibility.scope_key`'s paths, as ids)."""
    case_orgs = {g.org_id for g in actor.active_grants(Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER) if g.org_id}
    central = {-g.org_id for g in actor.active_grants(Role.CENTRAL_RISK_MANAGER) if g.org_id}
    return tuple(sorted(case_orgs | central))


def _facet_filter(actor: User, filters: SearchFilters, every_case: bool) -> FacetFilter:
    received_before = local_midnight(filters.received_to + timedelta(days=1)) if filters.received_to else None
    return FacetFilter(
        scope=None if every_case else facet_scope(actor),
        statuses=tuple(filters.status) if filters.status else None,
        severities=tuple(filters.severity) if filters.severity else None,
        event_type=filters.event_type or None, org_id=filters.org.id if filters.org is not None else None,
        received_from=local_midnight(filters.received_from) if filters.received_from else None,
        received_before=received_before)


def allowed_case_ids(actor: User, filters: SearchFilters) -> SelectBase | FacetFilter | str:
    """The visible cases that pass the filters: the engine ranks and counts only these.
    EVERY_CASE when that is every case (a region's central risk manager without filters): reading
    100,000 ids to allow them all cost more than the search itself. In the form the app's engine
    takes: a FacetFilter on its documents' own columns (PostgreSQL: narrowed inside the text search;
    working out the ids beside it cost a local risk manager 1.6 s at 1,000,000 cases), else the
    ids, read whole (whoosh; `visible_case_ids`). Found rows are re-checked (`recheck`)."""
    conditions = _conditions(filters)
    every_case = sees_every_case(actor)
    if every_case and not conditions:
        return EVERY_CASE
    if get_backend().filters_facets:
        return _facet_filter(actor, filters, every_case)
    if every_case:
        return select(Case.id).where(*conditions)
    return visible_case_ids(actor, *conditions, probed=get_backend().probes_allowed)


def recheck(actor: User, filters: SearchFilters, allowed) -> list:
    """Conditions on Case that found rows must meet: for a FacetFilter, visibility and the filters
    again (a document lags its case until the outbox is applied, and must never show a case out of
    scope); nothing for ids the database gave (exact already)."""
    if not isinstance(allowed, FacetFilter):
        return []
    return ([] if allowed.scope is None else [visible_cases_clause(actor)]) + _conditions(filters)


def default_kind(actor: User) -> str:
    """Case roles search cases; everyone else (forum members, reporters) learning summaries."""
    return "case" if has_case_role(actor) else "learning"


def search_cases(actor: User, q: str, filters: SearchFilters | None = None, *, kind: str | None = None,
                 order: str = "relevance", page: int = 1, per_page: int = 20) -> tuple[int, list[Result]]:
    """(total, results of the page) among what the actor may see; QuerySyntaxError for bad queries."""
    filters = filters or SearchFilters()
    kind = kind or default_kind(actor)
    if not (q or "").strip():
        raise QuerySyntaxError(message("Skriv mindst ét ord at søge efter"))
    checks = []
    if kind == "case":
        allowed = allowed_case_ids(actor, filters) if has_case_role(actor) else None
        checks = recheck(actor, filters, allowed)
        model = Case
    else:
        source = source_of(kind)
        allowed = source.allowed(actor, filters) if source else None  # its own filters: status, org and severity are case filters
        model = source.model if source else None
    if allowed is None:  # nothing this actor may search here: parse anyway, so syntax errors still show
        from .query import parse

        parse(q)
        return 0, []
    catch_up()
    result = get_backend().search(q, kind=kind, session=db.session, allowed=None if allowed is EVERY_CASE else allowed,
                                  order=order, offset=(page - 1) * per_page, limit=per_page)
    rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_([h.id for h in result.hits]),
                                                                         *checks))}
    return result.total, [Result(kind, rows[h.id], h.snippet, h.score) for h in result.hits if h.id in rows]


def ranked_ids(kind: str, q: str, allowed, *, limit: int = 200) -> list[int]:
    """Ids of the best `limit` matches of `q` among `allowed` (a select of ids), best first; for
    lists that are already scoped and filtered in SQL (the forum's learning page)."""
    catch_up()
    page = get_backend().search(q, kind=kind, session=db.session, allowed=allowed, order="relevance", offset=0, limit=limit)
    return [hit.id for hit in page.hits]
