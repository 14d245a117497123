"""Grant-level predicates: which organisations a user's grants cover (SPEC §1).

Which cases a user may see is decided with the cases: `uth.reports.visibility`."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select

from uth.auth.models import Organisation, Role, User


def scope_paths(actor: User, *roles: Role) -> list[str]:
    """Tree paths of the organisations the actor's grants of these roles cover."""
    return [g.org.path for g in actor.active_grants(*roles) if g.org is not None]


def in_subtree(org_id_col, paths: list[str]) -> ColumnElement[bool]:
    """SQL: the organisation id in `org_id_col` lies in one of the subtrees given by `paths`."""
    if not paths:
        return false()
    return org_id_col.in_(select(Organisation.id).where(or_(*[Organisation.path.like(p + "%") for p in paths])))


def has_case_role(actor: User) -> bool:
    """True for risk managers and central risk managers."""
    return actor.has_role(Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
