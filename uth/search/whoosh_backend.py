"""whoosh search backend: one on-disk index per document kind, for a single machine."""
from __future__ import annotations

import heapq
import os
import threading
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import Select
from sqlalchemy.orm import Session
from whoosh import collectors, index, writing
from whoosh.columns import CompressedBytesColumn, NumericColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema
from whoosh.util.filelock import FileLock

from .analysis import strip_control
from .backend import Hit, Order, SearchDoc, SearchPage, check_kind, check_search_args, KINDS
from .query import parse
from .whoosh_query import ANALYZER, FIELD, Restrict, compile_query, snippet

# Bump when the schema or analysis changes: a new, empty index is created and `uth reindex` fills it.
SCHEMA_VERSION = 1
BIG_BATCH = 500  # batches at least this big merge segments on commit
MAX_SEGMENTS = 8  # more segments than this slow every query: merge even on a small commit


def _schema() -> Schema:
    return Schema(
        key=ID(unique=True),
        id=COLUMN(NumericColumn("q")),
        received=COLUMN(NumericColumn("q")),
        content=TEXT(analyzer=ANALYZER, phrase=True),
        body=COLUMN(CompressedBytesColumn()),
    )


def _epoch(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # naive datetimes in this app are UTC
    return int(moment.timestamp())


def _content(doc: SearchDoc) -> str:
    # The title twice: whoosh scores one field here, and a word in the title should weigh more.
    return unicodedata.normalize("NFC", f"{doc.title}\n{doc.title}\n{doc.body}")


class _Generation:
    """One committed state of an index: a searcher and, lazily, its id <-> docnum maps."""

    def __init__(self, ix: index.Index, columns_cache: dict) -> None:
        self.searcher = ix.searcher()
        self.generation = self.searcher.reader().generation()
        self._cache = columns_cache
        self._ids: list[int] | None = None
        self._received: list[int] | None = None
        self._docnums: dict[int, int] | None = None
        self._readers: dict[str, object] = {}

    def _column(self, name: str) -> list[int]:
        """A column for all documents, built from per-segment lists (segments never change)."""
        values: list[int] = []
        for reader, _offset in self.searcher.reader().leaf_readers():
            if reader.segment() is None:  # an empty index
                continue
            key = (reader.segment().segment_id(), name)
            if key not in self._cache:
                self._cache[key] = _load_numbers(reader, name)
            values.extend(self._cache[key])
        return values

    def ids(self) -> list[int]:
        if self._ids is None:
            self._ids = self._column("id")
        return self._ids

    def received(self) -> list[int]:
        if self._received is None:
            self._received = self._column("received")
        return self._received

    def docnums(self, ids: Iterable[int]) -> list[int]:
        """Sorted document numbers of the given ids that are in the index."""
        if self._docnums is None:
            all_ids = self.ids()
            mapping = {doc_id: docnum for docnum, doc_id in enumerate(all_ids)}  # later docnum wins
            for reader, offset in self.searcher.reader().leaf_readers():
                for local in reader.deleted_docs_set:
                    if mapping.get(all_ids[offset + local]) == offset + local:
                        del mapping[all_ids[offset + local]]
            self._docnums = mapping
        get = self._docnums.get
        return sorted(docnum for docnum in map(get, ids) if docnum is not None)

    def _reader(self, name: str):
        if name not in self._readers:  # opening a column reader reads its whole offset table
            self._readers[name] = self.searcher.reader().column_reader(name)
        return self._readers[name]

    def id_of(self, docnum: int) -> int:
        return self._ids[docnum] if self._ids is not None else self._reader("id")[docnum]

    def body_of(self, docnum: int) -> str:
        return self._reader("body")[docnum].decode("utf-8")

    def close(self) -> None:
        self.searcher.close()


def _load_numbers(reader, name: str) -> list[int]:
    """A segment's numeric column as a list, read as one array rather than value by value."""
    column = reader.column_reader(name, translate=False)
    try:
        dbfile, start, stored = column._dbfile, column._basepos, column._count  # whoosh 2.7 internals
    except AttributeError:  # an empty column, or another whoosh version: the slow, public way
        return list(column)
    values = dbfile.get_array(start, column._typecode, stored).tolist()
    return values + [column._default] * (reader.doc_count_all() - stored)


class _TopCollector(collectors.TopCollector):
    """TopCollector whose total is exact: whoosh's count can skip blocks (and with a filter, lie)."""

    def exact_total(self) -> int:
        if self.total <= self.limit:  # the heap never filled, so nothing was skipped or pruned
            return self.total
        return sum(1 for _ in self.top_searcher.docs_for_query(self.q))


class WhooshSearchBackend:
    """Index per kind under `index_dir` (local disk: whoosh's write lock is a file lock).

    Several processes may share the directory: each write batch takes the lock with a timeout,
    readers reopen when another process has committed. Searches in one instance are serialised.
    """

    name = "whoosh"
    transactional = False

    def __init__(self, index_dir: str, *, writer_timeout: float = 30.0) -> None:
        self.index_dir = index_dir
        self.writer_timeout = writer_timeout
        os.makedirs(index_dir, exist_ok=True)
        self._indexes: dict[str, index.Index] = {}
        self._generations: dict[str, _Generation] = {}
        self._columns: dict[str, dict] = {kind: {} for kind in KINDS}
        self._lock = threading.RLock()

    def _ix(self, kind: str) -> index.Index:
        check_kind(kind)
        if kind not in self._indexes:
            name = f"{kind}_v{SCHEMA_VERSION}"
            # Two workers starting on an empty directory must not both create (and so delete)
            # the index's first files: creation happens under a lock of its own.
            lock = FileLock(os.path.join(self.index_dir, f"{name}_CREATELOCK"))
            lock.acquire(blocking=True)
            try:
                if index.exists_in(self.index_dir, indexname=name):
                    self._indexes[kind] = index.open_dir(self.index_dir, indexname=name)
                else:
                    self._indexes[kind] = index.create_in(self.index_dir, _schema(), indexname=name)
            finally:
                lock.release()
        return self._indexes[kind]

    def _current(self, kind: str) -> _Generation:
        """The searcher for the latest commit, reopened rather than `refresh()`ed."""
        ix = self._ix(kind)
        current = self._generations.get(kind)
        if current is not None and current.generation == ix.latest_generation():
            return current
        # whoosh-reloaded 2.7.5 Searcher.refresh() reuses readers that keep stale deletions and
        # re-adds merged-away segments (deleted documents come back, duplicates appear).
        fresh = _Generation(ix, self._columns[kind])
        if current is not None:
            current.close()
        live = {reader.segment().segment_id() for reader, _ in fresh.searcher.reader().leaf_readers() if reader.segment()}
        for key in [key for key in self._columns[kind] if key[0] not in live]:
            del self._columns[kind][key]
        self._generations[kind] = fresh
        return fresh

    def _commit(self, kind: str, write, *, big: bool) -> None:
        """One writer for the batch; merge only for big batches or too many segments."""
        writer = self._ix(kind).writer(timeout=self.writer_timeout)
        try:
            write(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=big or len(writer.segments) >= MAX_SEGMENTS)

    def index(self, docs: Iterable[SearchDoc]) -> None:
        """Upsert documents; the last version of an id in a batch wins."""
        by_kind: dict[str, dict[int, SearchDoc]] = {}
        for doc in docs:
            check_kind(doc.kind)
            by_kind.setdefault(doc.kind, {})[doc.id] = doc
        for kind, batch in by_kind.items():

            def write(writer, batch=batch):
                for doc in batch.values():
                    writer.update_document(
                        key=str(doc.id),
                        id=doc.id,
                        received=_epoch(doc.received_at),
                        content=_content(doc),
                        body=unicodedata.normalize("NFC", strip_control(doc.body)).encode("utf-8"),
                    )

            self._commit(kind, write, big=len(batch) >= BIG_BATCH)

    def delete(self, keys: Iterable[tuple[str, int]]) -> None:
        """Delete by (kind, id); the text stays on disk until optimize() merges it away."""
        by_kind: dict[str, set[int]] = {}
        for kind, doc_id in keys:
            check_kind(kind)
            by_kind.setdefault(kind, set()).add(doc_id)
        for kind, ids in by_kind.items():

            def write(writer, ids=ids):
                for doc_id in ids:
                    writer.delete_by_term("key", str(doc_id))

            self._commit(kind, write, big=False)

    def search(
        self,
        query: str,
        *,
        kind: str,
        session: Session | None,
        allowed: Select | None,
        order: Order = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """Rank only documents in `allowed`; count them exactly; snippets for the page."""
        check_search_args(kind, order, offset, limit)
        compiled = compile_query(parse(query))
        if compiled.query is None:
            return SearchPage(0, [])
        allowed_ids = None if allowed is None else session.execute(allowed).scalars().all()
        if allowed_ids is not None and not allowed_ids:
            return SearchPage(0, [])
        with self._lock:
            state = self._current(kind)
            q = compiled.query
            if allowed_ids is not None:
                docnums = state.docnums(allowed_ids)
                if not docnums:
                    return SearchPage(0, [])
                if len(docnums) < state.searcher.doc_count():
                    q = Restrict(q, docnums)
            if order == "date":
                total, top = self._by_date(state, q, offset + limit)
            else:
                total, top = self._by_relevance(state, q, offset + limit)
            hits = [
                Hit(kind, state.id_of(docnum), score, snippet(state.body_of(docnum), compiled.terms, compiled.prefixes))
                for score, docnum in top[offset:]
            ]
        return SearchPage(total, hits)

    @staticmethod
    def _by_relevance(state: _Generation, q, top: int) -> tuple[int, list[tuple[float, int]]]:
        collector = _TopCollector(top)
        state.searcher.search_with_collector(q, collector)
        return collector.exact_total(), list(collector.results().top_n)

    @staticmethod
    def _by_date(state: _Generation, q, top: int) -> tuple[int, list[tuple[float, int]]]:
        docnums = list(state.searcher.docs_for_query(q))
        received, ids = state.received(), state.ids()
        newest = heapq.nlargest(top, docnums, key=lambda docnum: (received[docnum], ids[docnum]))
        return len(docnums), [(0.0, docnum) for docnum in newest]

    def clear(self) -> None:
        """Empty every kind's index (under the write lock, so other processes see it at once)."""
        for kind in KINDS:
            writer = self._ix(kind).writer(timeout=self.writer_timeout)
            writer.commit(mergetype=writing.CLEAR)

    def optimize(self) -> None:
        """Merge into one segment per kind: deleted documents' text leaves the disk."""
        for kind in KINDS:
            writer = self._ix(kind).writer(timeout=self.writer_timeout)
            if len(writer.segments) > 1 or any(segment.has_deletions() for segment in writer.segments):
                writer.commit(optimize=True)
            else:
                writer.cancel()  # already one clean segment: rewriting it would gain nothing

    def doc_count(self, kind: str) -> int:
        with self._lock:
            return self._current(kind).searcher.doc_count()

    def close(self) -> None:
        """Release open readers (tests, shutdown)."""
        with self._lock:
            for state in self._generations.values():
                state.close()
            self._generations.clear()
