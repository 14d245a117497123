"""Keeping the search index in step with the database: collected at flush, written to the outbox in
the same transaction, applied after commit, dropped on rollback, replayed after a crash (SPEC §12).

Both backends take the same path. whoosh: one applier at a time (a file lock in the index
directory), each batch through one writer, then the outbox rows are deleted; a crash in between
re-applies the batch (upserts are idempotent). PostgreSQL: the documents and the deletion of their
outbox rows commit in one transaction, under an advisory lock shared by every app server. Leftover
rows are replayed at a process's first index use, before each search, and by `uth reindex`.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, inspect, or_, select, text
from sqlalchemy.orm import Session

from uth import hooks
from uth.bulk import insert_rows
from uth.clock import utcnow
from uth.storage import finish_purges, mark_index_done, open_purges, purge_watermark
from uth.extensions import db, sqlite_write_gate
from uth.reports.models import Case, CaseOrg, Statement

from . import make_backend
from .backend import SearchBackend
from .documents import build_docs, case_doc, sources, taxonomy_labels
from .models import DELETE, UPSERT, SearchOutbox

EXTENSION = "uth_search"
BATCH = 200
BULK_APPLY = 20_000  # outbox rows a non-transactional engine applies through one writer (`updating`): ~70 MB
AFTER_COMMIT_WAIT = 5.0  # seconds a request waits for another applier (e.g. a reindex) before leaving its rows
SEARCH_WAIT = 0.5  # seconds a search waits for another applier before searching what is there
PENDING = "uth_search_pending"  # session.info flag: this transaction wrote outbox rows
BESIDE = "uth_search_beside"  # session.info: the transaction's new cases being indexed beside it (`index_beside`)
BESIDE_MIN = 500  # documents gathered before a writer beside is started: a smaller import goes through the outbox
CASE_FIELDS = ("reference", "title", "description", "consequence", "prevention", "conclusion", "learning",
               "event_type", "transition_type", "received_at",
               # the document's facets (`documents.case_facets`): a transfer, new involved organisations
               # and a status change move the case in or out of a search's scope or filters
               "status", "severity", "handling_org_id", "handling_org", "event_org_id", "event_org",
               "reporting_org_id", "reporting_org", "involved")
_ADVISORY_KEY = 0x5E4C  # PostgreSQL advisory lock serialising index application across servers


# -- the backend of an app ------------------------------------------------------------------------

def get_backend(app: Flask | None = None, *, fresh: bool = False) -> SearchBackend:
    """The app's search backend (UTH_SEARCH_BACKEND), created once per app; replays leftovers once.

    `fresh` drops the cached instance first (a rebuild after the index directory was removed).
    """
    app = app or current_app._get_current_object()
    backend = app.extensions.get(EXTENSION)
    if backend is not None and fresh:
        if hasattr(backend, "close"):
            backend.close()
        backend = None
    if backend is None:
        backend = LockedBackend(make_backend(app.config["UTH_SEARCH_BACKEND"], index_dir=app.config["UTH_INDEX_DIR"],
                                             engine=db.engine))
        app.extensions[EXTENSION] = backend
        if hasattr(backend, "close"):  # whoosh keeps index files open: close them with the app
            weakref.finalize(app, backend.close)
    if not app.extensions.get(EXTENSION + "_replayed"):
        app.extensions[EXTENSION + "_replayed"] = True
        try:
            apply_pending(backend, wait=AFTER_COMMIT_WAIT)  # what a crashed process committed but never applied
            replay_purges()
        except Exception:  # noqa: BLE001 - e.g. a read-only index: searches still read it, /healthz says why
            app.logger.exception("search: replaying the outbox failed; kept for the next try")
    return backend


class LockedBackend:
    """The backend with its calls serialised within a process: the background applier writes while
    request threads search, and an engine's cached readers are not made for both at once."""

    def __init__(self, backend: SearchBackend):
        self._backend = backend
        self._lock = threading.RLock()

    def __getattr__(self, name: str):
        value = getattr(self._backend, name)
        if not callable(value):
            return value

        def locked(*args, **kwargs):
            with self._lock:
                return value(*args, **kwargs)

        return locked


# -- collecting changes at flush ------------------------------------------------------------------

def _changed(obj, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _changes(session: Session) -> set[tuple[str, int, str]]:
    """(kind, id, op) of the documents this flush changes."""
    out: set[tuple[str, int, str]] = set()
    others = sources() if has_app_context() else []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Case) and (obj in session.new or _changed(obj, CASE_FIELDS)):
            out.add(("case", obj.id, UPSERT))
        elif isinstance(obj, (Statement, CaseOrg)) and obj.case_id is not None:
            out.add(("case", obj.case_id, UPSERT))
        else:
            for source in others:
                if isinstance(obj, source.model) and (obj in session.new or _changed(obj, source.fields)):
                    out.add((source.kind, obj.id, UPSERT))
    for obj in session.deleted:
        if isinstance(obj, Case):
            out.add(("case", obj.id, DELETE))
        elif isinstance(obj, (Statement, CaseOrg)) and obj.case_id is not None:
            out.add(("case", obj.case_id, UPSERT))
        else:
            out.update((source.kind, obj.id, DELETE) for source in others if isinstance(obj, source.model))
    return out


def _after_flush(session: Session, flush_context) -> None:
    """Outbox rows in the flush's own transaction: they commit or roll back with the change."""
    _queue(session, _changes(session))


def bulk_inserted(session: Session, model, ids: Iterable[int]) -> None:
    """Rows inserted past the ORM's flush (`hooks.BULK_INSERTED`): queued as a flush would queue them new."""
    kinds = [("case", Case)] + [(source.kind, source.model) for source in sources()]
    for kind, source_model in kinds:
        if model is source_model:
            _queue(session, {(kind, doc_id, UPSERT) for doc_id in ids})


def orgs_moved(session: Session, org_ids: set[int]) -> None:
    """Organisations under a new parent (`hooks.ORGS_MOVED`): the cases handled, placed or involved
    there are queued, their documents' scope and org filter values (by ancestry) having changed."""
    ids = sorted(org_ids)
    cases = select(Case.id).where(or_(Case.handling_org_id.in_(ids), Case.event_org_id.in_(ids),
                                      Case.reporting_org_id.in_(ids)))
    involved = select(CaseOrg.case_id).where(CaseOrg.org_id.in_(ids))
    _queue(session, {("case", case_id, UPSERT) for case_id in session.scalars(cases.union(involved))})


def _queue(session: Session, changes: set[tuple[str, int, str]]) -> None:
    if not changes:
        return
    now = utcnow()
    rows = [{"kind": kind, "doc_id": doc_id, "op": op, "created_at": now} for kind, doc_id, op in sorted(changes)]
    insert_rows(session, SearchOutbox.__table__, rows)
    session.info[PENDING] = True


def _after_commit(session: Session) -> None:
    """Apply what was committed: inline (tests, `UTH_SEARCH_APPLY=inline`) or, by default, in the
    process's background applier, so index writes stay off the request path. A writer beside the
    transaction (`index_beside`) is committed first; what it does not cover is applied as ever."""
    if session.in_nested_transaction():  # a SAVEPOINT released: nothing is committed yet
        return
    beside = session.info.pop(BESIDE, None)
    if beside is not None:
        beside.finish()
    if session.info.pop(PENDING, False) and has_app_context():
        if current_app.config.get("UTH_SEARCH_APPLY", "background") == "inline":
            apply_safely(AFTER_COMMIT_WAIT)
        else:
            background_applier(current_app._get_current_object()).signal()


def apply_safely(wait: float | None) -> bool:
    """Apply pending updates; a failure is logged and leaves them in the outbox for the next try
    (the change itself is committed: the request must not fail because the index did). False when
    another applier held the lock past `wait`."""
    try:
        return apply_pending(get_backend(), wait=wait) is not None
    except Exception:  # noqa: BLE001 - any engine or disk error: the outbox keeps the update
        current_app.logger.exception("search: index update failed; kept in the outbox for the next try")
        return True


def catch_up(wait: float = SEARCH_WAIT) -> None:
    """Before a search: apply updates an earlier failure or a dead process left behind."""
    if db.session.scalar(select(SearchOutbox.id).limit(1)) is not None:
        apply_safely(wait)


def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction() and (beside := session.info.get(BESIDE)) is not None:
        beside.prepare(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # a rollback of the whole transaction took the outbox rows with it
        session.info.pop(PENDING, None)
        beside = session.info.pop(BESIDE, None)  # still there: not committed
        if beside is not None:
            beside.cancel()


def register_events() -> None:
    """Listen on the app's session class (idempotent)."""
    target = db.session
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_commit", _before_commit, insert=True)  # before the audit chain's work
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_transaction_end", _after_transaction_end)


# -- indexing new cases beside their transaction --------------------------------------------------

def index_beside(session: Session) -> Callable[[Iterable[Case]], None] | None:
    """For a transaction that inserts many new cases (a history import): a function to be given
    each batch of them once written (their ids set, as they will commit), whose documents, built
    from these objects, are indexed in another process while the transaction goes on, and made
    part of the index when it commits (`_after_commit`, before the outbox is applied), dropped when
    it rolls back. Their outbox rows are written as ever and deleted only after the index commit, so
    a crash anywhere leaves them to be applied again. None when the engine writes its index in the
    database's own transaction (PostgreSQL) or another applier keeps the index busy: the outbox
    applies them after the commit as before."""
    if BESIDE in session.info:
        return session.info[BESIDE].put
    backend = get_backend()
    if backend.transactional or not hasattr(backend, "beside"):
        return None
    beside = _Beside(backend)
    if not beside.locked:
        return None
    session.info[BESIDE] = beside
    return beside.put


class _Beside:
    """The apply lock, taken before the import writes (others wait for it as for any applier, so
    no other writer holds the index meanwhile), and the engine's writer beside (`BesideWriter`),
    started once BESIDE_MIN documents are gathered."""

    def __init__(self, backend: SearchBackend):
        self.backend, self.writer, self.failed = backend, None, False
        self.gathered: list = []
        self.ids: set[int] = set()
        self.up_to: int | None = None
        self.labels = None
        self._lock = ExitStack()
        self.locked = self._lock.enter_context(_apply_lock(backend, None, AFTER_COMMIT_WAIT))
        if not self.locked:
            self._lock.close()

    def put(self, cases: Iterable[Case]) -> None:
        if self.failed:
            return
        try:
            if self.labels is None:
                self.labels = taxonomy_labels(db.session())
            events, transitions = self.labels
            docs = [case_doc(case, [s.answer for s in case.statements], events, transitions) for case in cases]
            self.ids.update(doc.id for doc in docs)
            if self.writer is None:
                self.gathered += docs
                if len(self.gathered) < BESIDE_MIN:
                    return
                docs, self.gathered = self.gathered, []
                self.writer = self.backend.beside("case")
            self.writer.put(docs)
        except Exception:  # the import goes on; the outbox indexes its cases after the commit
            current_app.logger.exception("search: the index writer beside the import failed; the outbox will apply")
            self.failed = True
            self.cancel()

    def prepare(self, session: Session) -> None:
        """Before the commit: the last outbox row that can be this transaction's, and the writer
        told that every document is in."""
        if self.writer is not None:
            self.up_to = session.scalar(select(func.max(SearchOutbox.id)))
            self.writer.prepare()

    def finish(self) -> None:
        """After the commit: the segment committed, then the outbox rows it covers deleted; when
        those rows are not exactly one new document for each id written (another change to one
        of them in the transaction), or the writer failed, it is dropped and the outbox applies
        them all."""
        try:
            if self.writer is None or self.up_to is None:
                return
            with Session(db.engine) as session:
                rows = session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id, SearchOutbox.op)
                                       .where(SearchOutbox.id <= self.up_to)).all()
                theirs = [row for row in rows if row.kind == "case" and row.doc_id in self.ids]
                if len(theirs) != len(self.ids) or any(row.op != UPSERT for row in theirs):
                    current_app.logger.warning("search: the import's cases changed as it ran; the outbox indexes them")
                    return
                self.writer.commit()
                self.writer = None
                covered = [row.id for row in theirs]
                for chunk in range(0, len(covered), BATCH * 5):
                    session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(covered[chunk:chunk + BATCH * 5])))
                session.commit()
        except Exception:  # committed cases: the outbox keeps what the writer did not do
            current_app.logger.exception("search: the index writer beside the import failed; the outbox will apply")
        finally:
            self.cancel()

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None
        self._lock.close()


# -- applying the outbox --------------------------------------------------------------------------

@contextmanager
def _apply_lock(backend: SearchBackend, session: Session, wait: float | None = None) -> Iterator[bool]:
    """One applier at a time, so the last one to read a row is the last one to write its document.

    Yields whether the lock was taken: `wait` None blocks; otherwise give up after `wait` seconds
    (the rows stay in the outbox for the holder's next round, the next commit or first search).
    """
    deadline = None if wait is None else time.monotonic() + wait
    if backend.name == "postgres":
        sql = text("SELECT pg_try_advisory_xact_lock(:key)")
        while not session.execute(sql, {"key": _ADVISORY_KEY}).scalar():
            if deadline is not None and time.monotonic() > deadline:
                yield False
                return
            time.sleep(0.02)
        yield True  # released with the session's transaction
        return
    fd = os.open(os.path.join(backend.index_dir, "uth_apply.lock"), os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        while True:  # a file lock: the kernel releases it if the process dies
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if deadline is None else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.02)
        yield True
    finally:
        os.close(fd)


def apply_pending(backend: SearchBackend, *, wait: float | None = None) -> int | None:
    """Write the outbox rows committed so far to the index in batches and delete them; returns how
    many, None when another applier held the lock past `wait` (the rows it did not read wait for
    a later round). It ends at a batch short of BATCH: rows committed while it wrote are applied
    by the round their own commit asked for, so under load one index write covers the reports of
    a whole gathering (`BackgroundApplier._gather`) rather than the few of the last write's time."""
    done = 0
    with Session(db.engine) as session:
        while True:
            with _apply_lock(backend, session, wait) as locked:
                if not locked:
                    session.rollback()
                    return None
                rows = session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id)
                                       .order_by(SearchOutbox.id).limit(BATCH)).all()
                if not rows:
                    session.rollback()
                    return done
                if len(rows) == BATCH and hasattr(backend, "updating"):
                    rows += session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id)
                                            .where(SearchOutbox.id > rows[-1].id).order_by(SearchOutbox.id)
                                            .limit(BULK_APPLY - BATCH)).all()
                    _write_bulk(backend, session, rows)
                else:
                    for kind in {row.kind for row in rows}:
                        _write(backend, session, kind, {row.doc_id for row in rows if row.kind == kind})
                sqlite_write_gate(session)  # queued with the submissions, not in SQLite's busy wait
                for chunk in range(0, len(rows), BATCH * 5):
                    session.execute(delete(SearchOutbox).where(
                        SearchOutbox.id.in_([row.id for row in rows[chunk:chunk + BATCH * 5]])))
                session.commit()  # PostgreSQL: documents, outbox and lock in one transaction
            done += len(rows)
            if len(rows) < BATCH:
                return done


def _write_bulk(backend: SearchBackend, session: Session, rows) -> None:
    """A backlog of outbox rows (an import's, a dead process's) through the engine's one writer
    (`updating`): each document read once, a batch of BATCH at a time, written once."""
    labels = taxonomy_labels(session)
    with backend.updating() as (put, drop):
        for kind in sorted({row.kind for row in rows}):
            ids = sorted({row.doc_id for row in rows if row.kind == kind})
            for start in range(0, len(ids), BATCH):
                docs, gone = build_docs(session, kind, ids[start:start + BATCH], labels)
                put(docs)
                drop([(kind, doc_id) for doc_id in gone])
                session.expunge_all()


def _write(backend: SearchBackend, session: Session, kind: str, ids: set[int]) -> None:
    docs, gone = build_docs(session, kind, ids)
    extra = {"session": session} if backend.transactional else {}
    if docs:
        backend.index(docs, **extra)
    if gone:
        backend.delete([(kind, doc_id) for doc_id in gone], **extra)


def rebuild(backend: SearchBackend, progress: Callable[[int], None] = lambda n: None) -> dict[str, int]:
    """Write every case and learning summary from the database into a new index beside the live
    one, then swap it in (`build_aside`): searches meanwhile read the old index, whole.

    Runs under the apply lock, so changes committed meanwhile wait in the outbox. The outbox rows
    present at the start are covered by the reads that follow them and deleted with the swap. Rows
    that arrive later (a report, an edit, a purge's rewrite) are applied to the new index before
    the swap and stay in the outbox, so they are applied to it again after the swap: a row that
    commits in between is not lost, and a document the rebuild read before its text was removed
    cannot come back with the new index. Purges recorded before that last round are then done.
    A failure leaves the old index answering and the outbox as it was.
    """
    counts = {}
    with Session(db.engine) as session:
        with _apply_lock(backend, session):
            covered = list(session.scalars(select(SearchOutbox.id)))
            labels = taxonomy_labels(session)
            with backend.build_aside(session) as aside:
                with aside.bulk() as add:
                    for kind, model in _models():
                        counts[kind] = 0
                        for ids in _id_batches(session, model):
                            docs, _ = build_docs(session, kind, ids, labels)
                            add(docs)
                            session.expunge_all()
                            counts[kind] += len(docs)
                            progress(len(ids))
                _apply_newer(aside, session, set(covered))
                _end_reads()
            for chunk in range(0, len(covered), BATCH * 5):
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(covered[chunk:chunk + BATCH * 5])))
            session.commit()  # PostgreSQL: the swap, the outbox and the lock in one transaction
    with Session(db.engine) as session:
        up_to = purge_watermark(session)
        purged = {r.case_id for r in open_purges(session) if r.case_id is not None}
    apply_pending(backend)
    backend.optimize()
    if purged:  # their rows were read by the rebuild or applied since, and the old index is gone
        with Session(db.engine) as session:
            mark_index_done(session, purged, up_to=up_to)
            finish_purges(session)
    return counts


def _apply_newer(aside: SearchBackend, session: Session, covered: set[int]) -> None:
    """The outbox rows the rebuild's reads may have missed, written to the new index (and kept)."""
    rows = [row for row in session.execute(select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id)
                                           .order_by(SearchOutbox.id)) if row.id not in covered]
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        for kind in {row.kind for row in batch}:
            _write(aside, session, kind, {row.doc_id for row in batch if row.kind == kind})
        session.expunge_all()


def _end_reads() -> None:
    """End the read transaction of this context's session (e.g. a search made while the rebuild
    ran): on PostgreSQL it holds the live table, and the swap would wait for it. The caller of a
    rebuild keeps no uncommitted changes in it."""
    if has_app_context():
        db.session.rollback()


def _models():
    yield "case", Case
    for source in sources():
        yield source.kind, source.model


def _id_batches(session: Session, model) -> Iterator[list[int]]:
    after = 0
    while ids := list(session.scalars(select(model.id).where(model.id > after).order_by(model.id).limit(BATCH))):
        yield ids
        after = ids[-1]


def source_count() -> int:
    """Rows a rebuild will index (for a progress bar)."""
    return sum(db.session.scalar(select(func.count()).select_from(model)) or 0 for _, model in _models())


def pending_count() -> int:
    """Outbox rows not yet applied (health and tests)."""
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def reindex_cases(case_ids: set[int]) -> bool:
    """A purger (`hooks.PURGERS`): after text was removed from cases, write them again and merge so no
    old segment keeps it. Inline: now, True when done. Background: in the applier, which marks the
    recorded purge requests done itself (`uth.storage`); False meanwhile."""
    if current_app.config.get("UTH_SEARCH_APPLY", "background") == "inline":
        return purge_cases_now(set(case_ids), wait=AFTER_COMMIT_WAIT)
    background_applier(current_app._get_current_object()).signal(purge=set(case_ids))
    return False


def purge_cases_now(case_ids: set[int], *, wait: float | None) -> bool:
    """Re-index and merge now; when done, the purge requests of these cases recorded before the
    rewrite read them have their index part done (and finish, if the WAL lets them)."""
    with Session(db.engine) as session:
        up_to = purge_watermark(session)
    if not reindex_cases_now(case_ids, wait=wait):
        return False
    with Session(db.engine) as session:
        mark_index_done(session, case_ids, up_to=up_to)
        finish_purges(session)
    return True


def replay_purges() -> None:
    """Purges whose index part a dead process never did (the merge lived only in its memory): at a
    process's first index use, as the outbox is replayed."""
    with Session(db.engine) as session:
        ids = {r.case_id for r in open_purges(session) if r.case_id is not None}
    if ids:
        reindex_cases(ids)


def reindex_cases_now(case_ids: set[int], *, wait: float | None) -> bool:
    """Write these cases again, then merge once; True when done.

    Runs after the close was committed: a failure is logged, never raised into the request. When
    a rebuild holds the lock, it reads the anonymised row or applies its outbox row, and merges.
    The background applier passes `wait=None` and several cases at once: one merge for a round.
    """
    try:
        backend = get_backend()
        with Session(db.engine) as session:
            with _apply_lock(backend, session, wait) as locked:
                if not locked:
                    current_app.logger.warning("search: cases %s not re-indexed, another applier is busy", sorted(case_ids))
                    return False
                _write(backend, session, "case", set(case_ids))
                session.commit()
                # Under the apply lock: whoosh rewrites whole segments (seconds on a big index), and
                # other appliers should give up after their short wait rather than queue behind it.
                backend.optimize()
                return True
    except Exception:  # noqa: BLE001 - the close is committed; the next round, optimize or reindex merges
        current_app.logger.exception("search: re-indexing anonymised cases %s failed", sorted(case_ids))
        return False


def init_app(app: Flask) -> None:
    """Index after commit (session listeners, once per process) and re-index after text was removed."""
    register_events()
    hooks.add(app, hooks.PURGERS, reindex_cases)
    hooks.add(app, hooks.BULK_INSERTED, bulk_inserted)
    hooks.add(app, hooks.ORGS_MOVED, orgs_moved)
    hooks.add(app, hooks.IMPORT_STARTED, index_beside)


# -- the background applier -----------------------------------------------------------------------

class BackgroundApplier:
    """One daemon thread per app and process: applies the outbox after commits and merges after
    anonymisation, off the request path. Started lazily (so after gunicorn's fork); what it has
    not applied when the process dies stays in the outbox and is replayed (SPEC §12)."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.purges: set[int] = set()
        self.guard = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = False
        self.halt = threading.Event()

    def signal(self, purge: set[int] = frozenset()) -> None:
        """Ask for a round soon; `purge` also re-indexes and merges those cases."""
        with self.guard:
            self.purges |= set(purge)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="uth-search-applier", daemon=True)
                self.thread.start()
        self.wake.set()

    def stop(self, timeout: float = 30) -> None:
        """End the thread after its current round (the app is going away)."""
        self.stopping = True
        self.halt.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _gather(self) -> None:
        """Let more commits arrive first: under load one index write then covers many reports
        (whoosh spends about 6 ms of CPU on a one-document commit, under 1 ms a document in
        batches of 25). `UTH_SEARCH_BATCH_SECONDS` keeps a report searchable within 2 seconds."""
        self.halt.wait(self.app.config["UTH_SEARCH_BATCH_SECONDS"])

    def _run(self) -> None:
        while not self.stopping:
            self.wake.wait(timeout=30)
            if self.stopping:
                return
            self._gather()
            self.wake.clear()  # what was committed until now is applied in this round
            if self.stopping:
                return
            with self.guard:
                purges, self.purges = self.purges, set()
            with self.app.app_context():
                if not apply_safely(0):  # another process's applier is writing: it takes what it
                    self.wake.set()      # reads, this one the rest after its next gathering
                if purges and not purge_cases_now(purges, wait=None):
                    with self.guard:  # try again next round: removed text must not stay in the index
                        self.purges |= purges
                db.session.remove()


_APPLIERS: "weakref.WeakKeyDictionary[Flask, BackgroundApplier]" = weakref.WeakKeyDictionary()
_APPLIERS_GUARD = threading.Lock()


def background_applier(app: Flask) -> BackgroundApplier:
    """The app's applier in this process."""
    with _APPLIERS_GUARD:
        applier = _APPLIERS.get(app)
        if applier is None:
            applier = _APPLIERS[app] = BackgroundApplier(app)
        return applier


def stop_background_applier(app: Flask) -> None:
    """Stop the app's applier, if it has one (an app torn down while its process goes on)."""
    with _APPLIERS_GUARD:
        applier = _APPLIERS.pop(app, None)
    if applier is not None:
        applier.stop()
