"""Writes audit entries in the caller's transaction (SPEC §13), chained as they are inserted (SPEC §21).

Chaining in the writing transaction, not sealing afterwards: `record` keeps the entry with the
session, and when the transaction commits (`_chain_at_commit`) it locks the chain head, hashes the
entries onto it and inserts them. The head lock is the last lock the transaction takes and is held
only for those inserts and the commit, so no entry is ever unchained, ids follow the chain, and the
append-only triggers never need an exception. (Sealing committed entries later would leave an
unsealed tail anyone with database access could change, and would have to order entries that
PostgreSQL commits out of id order.)"""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import bindparam, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from uth.audit.chain import GENESIS, CONTENT, entry_hash
from uth.audit.models import AuditChainHead, AuditEntry
from uth.auth.models import User
from uth.bulk import as_loaded, insert_returning_id, insert_returning_ids, run_compiled
from uth.extensions import db

PENDING = "uth_audit_pending"  # session.info: [(transaction it was recorded in, entry)]


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
    entry = as_loaded(AuditEntry, {  # never added to the session: `append` inserts it by Core
        "at": now,
        "actor_id": actor.id if isinstance(actor, User) else None,
        "actor_label": actor_label(actor),
        "action": action,
        "object_type": type(obj).__name__.lower() if obj is not None else ("case" if case is not None else None),
        "object_id": getattr(obj, "id", None) if obj is not None else getattr(case, "id", None),
        "case_id": getattr(case, "id", None),
        "org_id": org_id if org_id is not None else getattr(case, "handling_org_id", None),
        "detail": detail or {},
        "ip": request.remote_addr if has_request_context() and not anonymous else None,  # a proxy's X-Forwarded-For only with UTH_PROXY_HOPS
        "purpose": purpose,
        "hash": None,
    })
    session = db.session()
    session.info.setdefault(PENDING, []).append((session.get_nested_transaction() or session.get_transaction(), entry))
    return entry


def pending_entries() -> list[AuditEntry]:
    """The entries recorded in the open transaction, inserted (and chained) when it commits."""
    return [entry for _, entry in db.session().info.get(PENDING, [])]


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _forget_rolled_back(session: Session, ended) -> None:
    """A rolled-back transaction or savepoint takes the entries recorded in it along."""
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [] if ended.parent is None else [(t, e) for t, e in pending if not _within(t, ended)]


def _chain_at_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint is released: the entries wait for the real commit
        return
    entries = [entry for _, entry in session.info.pop(PENDING, [])]
    if entries:
        session.flush()  # every other change first, so the head is the last lock taken
        append(session, entries)


_HEAD = AuditChainHead.__table__
# Built once (and compiled once per dialect, bulk.run_compiled): the head read and locked, and moved on.
_READ_HEAD = select(_HEAD.c.hash, _HEAD.c.last_id, _HEAD.c.entries).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = _HEAD.update().where(_HEAD.c.id == 1).values(
    hash=bindparam("new_hash"), last_id=bindparam("new_last_id"), entries=bindparam("new_entries"))


def _locked_head(session: Session):
    """The chain head (hash, last_id, entries), locked until commit (PostgreSQL: FOR UPDATE; SQLite:
    the one write lock)."""
    head, query = _HEAD, _READ_HEAD
    row = run_compiled(session.connection(), query)
    if row is None:  # a new database: start at the newest entry there is (none: the genesis)
        last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
        insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(head)
        session.execute(insert.values(id=1, last_id=last.id if last else None, hash=(last.hash if last and last.hash else GENESIS),
                                      entries=0).on_conflict_do_nothing(index_elements=["id"]))
        row = run_compiled(session.connection(), query)
    return row


def append(session: Session, entries: list[AuditEntry]) -> None:
    """Hash the entries onto the locked chain head and insert them in that order: a request's entry
    in one statement, many (a history import chains 200,000 at once) in one multi-row statement
    whose ids come back in the entries' order.

    Core statements, not the unit of work: this runs under the head lock (on SQLite the database's
    one write lock), so it is kept short. The entry objects get their id and hash (never added to
    the session: rows are only ever inserted)."""
    previous, last_id, count = _locked_head(session)
    rows = []
    for entry in entries:
        content = {name: getattr(entry, name) for name in CONTENT}
        entry.hash = previous = entry_hash(previous, content)
        rows.append({**content, "detail": content["detail"] or {}, "hash": previous})
    table, connection = AuditEntry.__table__, session.connection()
    if len(rows) == 1:
        ids = [insert_returning_id(session, table, rows[0])]
    else:
        ids = insert_returning_ids(session, table, rows)
    if any(later <= earlier for earlier, later in zip([last_id or 0, *ids], ids)):
        raise RuntimeError("audit entries were given ids out of chain order")  # the transaction is rolled back
    for entry, entry_id in zip(entries, ids):
        entry.id = entry_id
    run_compiled(connection, _MOVE_HEAD, {"new_hash": previous, "new_last_id": ids[-1], "new_entries": count + len(entries)})


def register_chain() -> None:
    """Chain the audit entries of every transaction as it commits (SPEC §21; idempotent)."""
    if not event.contains(db.session, "before_commit", _chain_at_commit):
        event.listen(db.session, "before_commit", _chain_at_commit)
        event.listen(db.session, "after_soft_rollback", _forget_rolled_back)
