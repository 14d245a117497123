"""Which organisation handles a case (SPEC §4): admin rules first, then the walk up the tree."""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from uth.auth.models import Grant, Organisation, Role, User
from uth.extensions import db
from uth.routing.models import RoutingGeneration, RoutingRule
from uth.routing.rules import CaseFacts, Rule, choose_handling_org


def stored_rule(r: RoutingRule) -> Rule:
    """A stored rule as the pure value routing tries."""
    return Rule(r.id, r.priority, r.target_org_id, r.event_org_id, r.sector, r.event_type_prefix, r.reporter_kind)


SNAPSHOT = "routing_snapshot"  # session.info key: what routing read, kept while a snapshot lasts


@contextmanager
def routing_snapshot():
    """Within it, the active rules and which organisations have a risk manager are read once and
    reused: for a batch of cases routed where neither can change (an import in one transaction)."""
    db.session.info[SNAPSHOT] = {}
    try:
        yield
    finally:
        db.session.info.pop(SNAPSHOT, None)


def _snapshot(key: str, read):
    cache = db.session.info.get(SNAPSHOT)
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


@dataclass(frozen=True)
class RoutingValues:
    """What routing reads, as of one routing generation: the active rules and the active risk
    managers of each organisation (the tree walk stops at the first organisation with one, and they
    get the new case's mail)."""

    generation: int | None
    rules: tuple[Rule, ...]
    risk_managers: dict[int, tuple[str, ...]]  # organisation id -> its active risk managers' addresses, sorted


CACHE = "uth_routing"  # app.extensions: the RoutingValues last read in this process
CHECKED = "uth_routing_checked"  # session.info: the values checked against the generation in this transaction


_GENERATION = select(RoutingGeneration.__table__.c.generation).where(RoutingGeneration.__table__.c.id == 1)


def routing_values() -> RoutingValues:
    """The routing values, read from the database only when the routing generation moved since this
    process (this app) last read them: one small query per transaction instead of the rules and the
    grants. Triggers give the generation a new number at every change, so a change made on another
    worker or server is seen at the next request; a flush or the end of the transaction checks again."""
    session = db.session()
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()  # as a query would: this transaction's own changes count (and the flush checks again)
    values = session.info.get(CHECKED)
    if values is not None:
        return values
    generation = session.connection().execute(_GENERATION).scalar()
    values = current_app.extensions.get(CACHE)
    if values is None or generation is None or values.generation != generation:
        values = RoutingValues(generation, tuple(stored_rule(r) for r in db.session.scalars(
            select(RoutingRule).where(RoutingRule.active.is_(True)))), _risk_managers())
        if generation is not None:  # no row yet (a schema made by create_all and emptied): never cached
            current_app.extensions[CACHE] = values
    session.info[CHECKED] = values
    return values


def generation_read(generation: int | None) -> None:
    """The routing generation, read with the request's actor (hooks.ACTOR_READ, its `column`):
    `routing_values` need not read it again while nothing is flushed, if this process's values
    are of that generation."""
    session = db.session()
    values = current_app.extensions.get(CACHE)
    if (values is not None and generation is not None and values.generation == generation
            and not (session.new or session.deleted or session.dirty)):
        session.info.setdefault(CHECKED, values)


generation_read.column = _GENERATION.scalar_subquery()


def _forget_checked(session: Session, *args) -> None:
    session.info.pop(CHECKED, None)


def register_events() -> None:
    """Check the generation again after each flush (this transaction may have changed a rule) and in
    the next transaction (idempotent)."""
    for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
        if not event.contains(db.session, name, _forget_checked):
            event.listen(db.session, name, _forget_checked)


_ORG_COLUMNS = Organisation.__table__.c
_ORGS_KEPT = 10_000


def organisations(codes: Iterable[str] = (), ids: Iterable[int] = ()) -> list[Organisation]:
    """The organisations with these codes or ids (those that exist), in the session. Kept per
    process as detached copies of their rows (`kept`) and merged in without a query while the
    routing generation stands; read from the database otherwise, and for what this process has
    not read yet."""
    by_code, by_id = kept("organisations", lambda: ({}, {}))
    if len(by_id) > _ORGS_KEPT:
        by_code.clear()
        by_id.clear()
    codes, ids = set(codes), set(ids)
    missing_codes, missing_ids = codes - by_code.keys(), ids - by_id.keys()
    if missing_codes or missing_ids:
        for row in db.session.connection().execute(
                select(*_ORG_COLUMNS).where(or_(_ORG_COLUMNS.code.in_(missing_codes), _ORG_COLUMNS.id.in_(missing_ids)))):
            org = Organisation(**row._asdict())
            make_transient_to_detached(org)
            by_code[org.code] = by_id[org.id] = org
    found = {id(org): org for org in [by_code[c] for c in codes if c in by_code] + [by_id[i] for i in ids if i in by_id]}
    session = db.session()
    in_session = session.identity_map
    # One already in the session (the actor's, one read before) is taken as a query would take it;
    # the others are merged in from the kept copy.
    return [in_session.get(inspect(org).key) or session.merge(org, load=False) for org in found.values()]


KEPT = "uth_routing_kept"  # app.extensions: (generation, {key: value}) other features keep per generation
_KEPT_KEYS = 1_000


def kept(key, read):
    """`read()`'s value for the key, kept per process while the routing generation stands: for values
    made only of organisations, grants and users (every change to them renews the generation, on any
    worker or server), so the next request after a change reads them again. Values are shared by
    the requests: callers may only add to them what they read in the same generation (a dict of rows
    by id filled as they are needed), never change what is there."""
    generation = routing_values().generation
    if generation is None:
        return read()
    held = current_app.extensions.get(KEPT)
    if held is None or held[0] != generation or len(held[1]) > _KEPT_KEYS:
        held = current_app.extensions[KEPT] = (generation, {})
    if key not in held[1]:
        held[1][key] = read()
    return held[1][key]


def active_rules() -> list[Rule]:
    """Active admin rules as pure values."""
    return _snapshot("rules", lambda: list(routing_values().rules))


def _risk_managers() -> dict[int, tuple[str, ...]]:
    """Each organisation's active users holding an active risk manager grant directly on it."""
    found: dict[int, set[str]] = {}
    for org_id, email in db.session.execute(
            select(Grant.org_id, User.email).join(User, User.id == Grant.user_id)
            .where(Grant.org_id.isnot(None), Grant.role == Role.RISK_MANAGER.value, Grant.active.is_(True),
                   User.active.is_(True))):
        found.setdefault(org_id, set()).add(email)
    return {org_id: tuple(sorted(emails)) for org_id, emails in found.items()}


def orgs_with_risk_manager(org_ids: list[int]) -> set[int]:
    """Which of these organisations have an active risk manager."""
    if not org_ids:
        return set()
    return _snapshot("risk_managers", lambda: set(routing_values().risk_managers)) & set(org_ids)


def risk_manager_addresses(org_id: int) -> list[str]:
    """The addresses of the organisation's active risk managers (the new case's mail), sorted."""
    return list(routing_values().risk_managers.get(org_id, ()))


def case_facts(case) -> CaseFacts:
    """What routing looks at, from any object with `effective_org`, `event_type`, `reporter_kind`."""
    origin = case.effective_org
    ancestry = list(reversed(origin.ancestor_ids())) if origin else []
    return CaseFacts(ancestry, origin.sector if origin else None, case.event_type, case.reporter_kind)


def handling_org_for(case, rules: list[Rule] | None = None) -> tuple[int | None, int | None]:
    """(handling org id, rule id) routing would choose for the case with these rules (the active ones by default)."""
    facts = case_facts(case)
    return choose_handling_org(facts, active_rules() if rules is None else rules, orgs_with_risk_manager(list(facts.ancestry)))


def route(case) -> None:
    """Set the case's handling_org (rules, then the tree walk, then a catch-all rule, else unrouted)
    and, the first time, its owning org."""
    org_id, rule_id = handling_org_for(case)
    case.handling_org = organisations(ids=[org_id])[0] if org_id else None
    case.routing_rule_id = rule_id
    if case.owning_org_id is None and case.handling_org is not None:
        case.owning_org = case.handling_org
