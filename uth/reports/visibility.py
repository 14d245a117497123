"""Who may see which case: one visibility query for lists, search and single cases (SPEC §1, §4)."""
from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import SelectBase

from uth.audit.trail import CaseLookup
from uth.auth.models import Organisation, Role, User
from uth.auth.permissions import in_subtree, scope_paths
from uth.extensions import db
from uth.reports.models import Case, CaseOrg

FULL = "full"
LIMITED = "limited"


def _full_clause(case_paths: list[str], central_paths: list[str]) -> ColumnElement[bool]:
    return or_(
        in_subtree(Case.handling_org_id, case_paths),
        and_(Case.handling_org_id.is_(None), in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), central_paths)),
    )


def _limited_clause(case_paths: list[str]) -> ColumnElement[bool]:
    if not case_paths:
        return false()
    # The case's few involved links, each checked by its organisation's path. Asked as
    # `case_orgs.org_id IN (the subtree's ids)`, SQLite sought (case_id, org_id) once per organisation of
    # the subtree for every case the other terms left: the central risk manager's overdue count at
    # 100,000 cases took 15 ms instead of 1.3.
    return exists().where(CaseOrg.case_id == Case.id, Organisation.id == CaseOrg.org_id,
                          or_(*[Organisation.path.like(p + "%") for p in case_paths]))


def scope_key(actor: User) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All that decides which cases the actor may open as a risk manager: the paths of their case
    roles' organisations and of their central ones (a key for statements built once per scope)."""
    return (tuple(scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)),
            tuple(scope_paths(actor, Role.CENTRAL_RISK_MANAGER)))


def scope_clause(key: tuple[tuple[str, ...], tuple[str, ...]]) -> ColumnElement[bool]:
    """SQL condition: the cases visible in the scope `scope_key` gave (full or limited view)."""
    case_paths, central_paths = (list(paths) for paths in key)
    return or_(_full_clause(case_paths, central_paths), _limited_clause(case_paths))


def visible_cases_clause(actor: User) -> ColumnElement[bool]:
    """SQL condition: cases the actor may open as a risk manager (full or limited view)."""
    return scope_clause(scope_key(actor))


def visible_cases(actor: User) -> Select:
    """The query every case list, search and single-case look-up starts from."""
    return select(Case).where(visible_cases_clause(actor))


def sees_every_case(actor: User) -> bool:
    """A central risk manager over every organisation tree: every case is in scope (each case names
    an organisation: the event's or the reporter's, which validation requires)."""
    central = scope_paths(actor, Role.CENTRAL_RISK_MANAGER)
    if not central:
        return False
    roots = db.session.scalars(select(Organisation.path).where(Organisation.parent_id.is_(None)))
    return all(any(root.startswith(path) for path in central) for root in roots)


def visible_case_ids(actor: User, *conditions: ColumnElement[bool], probed: bool = False) -> SelectBase:
    """Ids of the visible cases that meet `conditions` (on Case), for the search engine's `allowed`.

    The same cases as `visible_cases_clause`, in the form SQLite runs fastest when the ids are read
    whole. A local risk manager's scope is a small part of the cases: a union of the cases handled
    there and those it is involved in uses their indexes (at 100,000 cases: 6 ms instead of 66 for
    the one OR, which checked the involved organisations of every case). A central risk manager's
    usually covers most of them, and with filters one pass over the table is cheapest (76 ms against 127).

    `probed=True` for a caller that tests its own candidates against the ids instead of reading
    them (PostgreSQL's search, which walks its matches newest first): one select over cases, whose
    id is unique, so PostgreSQL joins it by the primary key and checks each candidate's row. The
    union's distinct ids it cannot estimate (it guessed 200 of 11,553 at 100,000 cases) and it
    then read every visible case's document instead of the matches (390 ms for a rare word).
    """
    case_paths = scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
    central_paths = scope_paths(actor, Role.CENTRAL_RISK_MANAGER)
    if probed or (central_paths and conditions):
        return select(Case.id).where(visible_cases_clause(actor), *conditions)
    handled_here = in_subtree(Case.handling_org_id, case_paths)
    parts = []
    if case_paths:
        parts.append(select(Case.id).where(handled_here))
        involved_here = select(CaseOrg.case_id).where(in_subtree(CaseOrg.org_id, case_paths))
        parts.append(select(Case.id).where(Case.id.in_(involved_here), or_(Case.handling_org_id.is_(None), ~handled_here)))
    if central_paths:
        parts.append(select(Case.id).where(Case.handling_org_id.is_(None),
                                           in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), central_paths)))
    if not parts:
        return select(Case.id).where(false())
    ids = union_all(*parts)  # the parts do not overlap, except a rare unrouted case both involved and central
    return select(Case.id).where(Case.id.in_(ids), *conditions) if conditions else ids


def _covers(paths: list[str], org: Organisation | None) -> bool:
    return org is not None and any(org.path.startswith(p) for p in paths)


def handles_by_paths(case_paths: list[str], central_paths: list[str], case: Case) -> bool:
    """Who may handle a case, by the paths of a user's grants (`scope_paths` of the case roles and of
    the central role): the handling organisation's risk managers, and for an unrouted case the
    central ones over the organisation it names. `case_view_level` asks it of one user; the assign
    lists of many users' grants read as plain rows (handling.offers)."""
    if case.handling_org is not None:
        return _covers(case_paths, case.handling_org)
    return _covers(central_paths, case.effective_org)


def view_level_in(scope: tuple[tuple[str, ...], tuple[str, ...]], case: Case) -> str | None:
    """case_view_level for a scope `scope_key` gave: a list of cases asks the actor's grants once."""
    case_paths, central_paths = scope
    if handles_by_paths(case_paths, central_paths, case):
        return FULL
    if any(_covers(case_paths, link.org) for link in case.involved):
        return LIMITED
    return None


def case_view_level(actor: User, case: Case) -> str | None:
    """FULL for the handling organisation's risk managers (and central ones over unrouted cases),
    LIMITED for risk managers of an involved organisation, None otherwise."""
    return view_level_in(scope_key(actor), case)


def can_see_reporter(actor: User, case: Case) -> bool:
    """Reporter identity: full view only; an anonymous reporter only for the owning organisation."""
    if case_view_level(actor, case) != FULL:
        return False
    if not case.reporter_anonymous:
        return True
    paths = scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
    return _covers(paths, case.owning_org or case.handling_org)


def can_see_patient(actor: User, case: Case) -> bool:
    """Patient name and CPR: the handling organisation's risk managers only."""
    return case_view_level(actor, case) == FULL


def can_handle(actor: User, case: Case) -> bool:
    """True when the actor may act on the case as its handler."""
    return case_view_level(actor, case) == FULL


def cases_under(paths: list[str]) -> Select:
    """Ids of the cases handled in, or that happened in, these subtrees (a central risk manager's
    reach in the audit trail)."""
    return select(Case.id).where(or_(in_subtree(Case.handling_org_id, paths),
                                     in_subtree(func.coalesce(Case.event_org_id, Case.reporting_org_id), paths)))


def case_by_reference(reference: str) -> Select:
    """The id of the case with this reference (none when unknown)."""
    return select(Case.id).where(Case.reference == reference)


# What the audit trail (a lower layer) is given to find cases.
CASE_LOOKUP = CaseLookup(under=cases_under, by_reference=case_by_reference)
