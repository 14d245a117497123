"""whoosh search backend: one on-disk index per document kind, for a single machine."""
from __future__ import annotations

import heapq
import multiprocessing
import os
import queue
import re
import shutil
import threading
import time
import unicodedata
import uuid
import weakref
from array import array
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import combinations

from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase
from whoosh import index, writing
from whoosh import query as wq
from whoosh.columns import CompressedBytesColumn, NumericColumn
from whoosh.fields import COLUMN, ID, Schema
from whoosh.reading import SegmentReader
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length, length_to_byte

from .analysis import strip_control
from .backend import (
    KINDS,
    Hit,
    Order,
    SearchDoc,
    SearchPage,
    check_kind,
    check_search_args,
)
from .excerpts import snippet
from .query import parse
from .whoosh_bitmaps import Evaluator, SegmentData, docnums_of
from .whoosh_query import FIELD, DanishText, compile_query, key_terms
from .whoosh_reader import Generation

# Bump when the schema or analysis changes: a new, empty index is created and `uth reindex` fills it.
SCHEMA_VERSION = 1
BIG_BATCH = 500  # batches at least this big merge segments on commit
MAX_SEGMENTS = 8  # more segments than this slow every query: merge even on a small commit
VANISHED_TRIES = 10  # reading a generation whose files another process's commit just deleted
# A rebuild writes a new directory beside the live one ("ix-<stamp>") and swaps it in by replacing
# CURRENT, the file naming the live directory. No CURRENT: the indexes lie in the root itself (the
# layout before rebuilds were built aside; a new, never rebuilt directory starts that way too).
CURRENT = "CURRENT"
ASIDE = "ix-"
_ROOT_INDEX_FILE = re.compile(r"^_?[a-z]+_v\d+_")  # whoosh's files of an index in the root layout


def _retry_vanished(read):
    """Run `read` again when a file it needed was deleted under it.

    Readers take no lock: between finding the latest generation and opening its files, another
    worker's commit may replace that generation and delete its files. whoosh's own reader retries
    the same way; the next attempt finds the newer generation.
    """
    for attempt in range(VANISHED_TRIES):
        try:
            return read()
        except FileNotFoundError:
            if attempt == VANISHED_TRIES - 1:
                raise
            time.sleep(0.05)


def _schema() -> Schema:
    return Schema(
        key=ID(unique=True),
        id=COLUMN(NumericColumn("q")),
        received=COLUMN(NumericColumn("q")),
        content=DanishText(),
        body=COLUMN(CompressedBytesColumn()),
    )


def _fields(doc: SearchDoc) -> dict:
    """What the index stores of a document."""
    return {"key": str(doc.id), "id": doc.id, "received": _epoch(doc.received_at), "content": _content(doc),
            "body": unicodedata.normalize("NFC", strip_control(doc.excerpt_text)).encode("utf-8")}


def _epoch(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive datetimes in this app are UTC
    return int(moment.timestamp())


def _content(doc: SearchDoc) -> str:
    # The title twice: whoosh scores one field here, and a word in the title should weigh more.
    return unicodedata.normalize("NFC", f"{doc.title}\n{doc.title}\n{doc.body}")


class WhooshSearchBackend:
    """Index per kind under `index_dir` (local disk: whoosh's write lock is a file lock).

    Several processes may share the directory: each write batch takes the lock with a timeout,
    readers reopen when another process has committed. Searches in one instance are serialised.
    """

    name = "whoosh"
    transactional = False
    probes_allowed = False
    filters_facets = False

    def __init__(self, index_dir: str, *, writer_timeout: float = 30.0) -> None:
        self.index_dir = index_dir  # the root: CURRENT, the generations, the apply lock
        self.writer_timeout = writer_timeout
        os.makedirs(index_dir, exist_ok=True)
        self._live = ""  # what CURRENT named when the open indexes were opened ("" the root layout)
        self._indexes: dict[str, index.Index] = {}
        self._generations: dict[str, Generation] = {}
        self._segments: dict[str, dict[str, SegmentData]] = {kind: {} for kind in KINDS}
        self._evaluators = {kind: Evaluator() for kind in KINDS}
        self._newest: dict[str, int] = {}  # segment id -> the highest document id it holds (`_newest_id`)
        self._lock = threading.RLock()
        # Segment files stay open while a generation is in use; close them even when an instance
        # is dropped without close() (an app torn down in a test, a worker exiting).
        weakref.finalize(self, _close_all, self._generations)

    def _directory(self) -> str:
        """The live index directory; after another process's rebuild swapped one in, its indexes
        are opened afresh (what is cached belongs to the old directory)."""
        live = _read_current(self.index_dir)
        if live != self._live:
            _close_all(self._generations)
            self._indexes.clear()
            self._segments = {kind: {} for kind in KINDS}
            self._evaluators = {kind: Evaluator() for kind in KINDS}
            self._live = live
        return os.path.join(self.index_dir, live) if live else self.index_dir

    def _ix(self, kind: str) -> index.Index:
        check_kind(kind)
        directory = self._directory()
        if kind not in self._indexes:
            name = f"{kind}_v{SCHEMA_VERSION}"
            # exists_in opens the latest generation's table of contents: another worker's commit
            # may delete it in between, as for any read.
            if _retry_vanished(lambda: index.exists_in(directory, indexname=name)):
                # Opening writes nothing, so an index on a read-only disk can still be searched.
                self._indexes[kind] = _retry_vanished(lambda: index.open_dir(directory, indexname=name))
                return self._indexes[kind]
            # Two workers starting on an empty directory must not both create (and so delete)
            # the index's first files: creation happens under a lock of its own.
            os.makedirs(directory, exist_ok=True)
            lock = FileLock(os.path.join(directory, f"{name}_CREATELOCK"))
            lock.acquire(blocking=True)
            try:
                self._indexes[kind] = _retry_vanished(lambda: self._open_or_create(directory, name))
            finally:
                lock.release()
        return self._indexes[kind]

    @staticmethod
    def _open_or_create(directory: str, name: str) -> index.Index:
        if index.exists_in(directory, indexname=name):
            return index.open_dir(directory, indexname=name)
        return index.create_in(directory, _schema(), indexname=name)

    def _current(self, kind: str) -> Generation:
        """The latest commit's generation, reopened rather than `refresh()`ed.

        whoosh-reloaded 2.7.5's Searcher.refresh() reuses segment readers that keep stale
        deletions and re-adds merged-away segments (deleted documents come back, duplicates
        appear); per-segment data is cached here instead, keyed by the immutable segment id.
        """
        ix = self._ix(kind)
        current = self._generations.get(kind)
        if current is not None and current.generation == ix.latest_generation():
            return current
        fresh = _retry_vanished(lambda: Generation(ix, self._segments[kind], self._evaluators[kind]))
        if current is not None:
            current.close()
        live = {leaf.key for leaf in fresh.leaves}
        for key in [key for key in self._segments[kind] if key not in live]:
            del self._segments[kind][key]
        self._evaluators[kind].cache.drop_segments(live)
        self._generations[kind] = fresh
        return fresh

    def _commit(self, kind: str, write, *, big: bool) -> None:
        """One writer for the batch (`_fast_bulk_writer`); merge only for big batches or too many segments."""
        writer = _fast_bulk_writer(self._ix(kind).writer(timeout=self.writer_timeout, compound=False))
        try:
            write(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=big or len(writer.segments) >= MAX_SEGMENTS)

    def index(self, docs: Iterable[SearchDoc]) -> None:
        """Upsert documents; the last version of an id in a batch wins. A document whose id is above
        every id the index holds (a new case: ids only grow) is added without looking for an older
        version (whoosh's look-up in every segment is a sixth of a new report's indexing); any
        other is replaced, so writing the same outbox rows again after a crash duplicates nothing."""
        by_kind: dict[str, dict[int, SearchDoc]] = {}
        for doc in docs:
            check_kind(doc.kind)
            by_kind.setdefault(doc.kind, {})[doc.id] = doc
        for kind, batch in by_kind.items():

            def write(writer, batch=batch):
                newest = self._newest_id(writer)
                for doc in batch.values():
                    (writer.add_document if doc.id > newest else writer.update_document)(**_fields(doc))

            self._commit(kind, write, big=len(batch) >= BIG_BATCH)

    def _newest_id(self, writer) -> int:
        """The highest document id in the writer's segments, deleted ones too (0: none), each
        segment's read once (segments never change; a merge makes a new one)."""
        newest = 0
        for segment in writer.segments:
            key = segment.segment_id()
            if key not in self._newest:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                try:
                    self._newest[key] = max(reader.column_reader("id"), default=0)
                finally:
                    reader.close()
            newest = max(newest, self._newest[key])
        if len(self._newest) > 4 * MAX_SEGMENTS * len(KINDS):  # forget this index's segments merged away
            live, mine = {segment.segment_id() for segment in writer.segments}, f"{writer.indexname}_"
            self._newest = {key: value for key, value in self._newest.items() if key in live or not key.startswith(mine)}
        return newest

    @contextmanager
    def bulk(self):
        """For a new, empty index (`build_aside`): `add(docs)` for every batch into one writer per kind
        (added, with no look-up of an older version; the postings kept in memory, `_TermPool`),
        committed once, into one segment, at the end. A writer per batch merged every segment again each time."""
        writers: dict = {}

        def add(docs: Iterable[SearchDoc]) -> None:
            for doc in docs:
                check_kind(doc.kind)
                if doc.kind not in writers:
                    writers[doc.kind] = _fast_bulk_writer(self._ix(doc.kind).writer(
                        timeout=self.writer_timeout, compound=False))
                writers[doc.kind].add_document(**_fields(doc))

        try:
            yield add
        except BaseException:
            for writer in writers.values():
                writer.cancel()
            raise
        for writer in writers.values():
            writer.commit(optimize=True)

    @contextmanager
    def updating(self):
        """For a big backlog (an import's outbox): `put(docs)` upserts and `drop(keys)` deletes, each
        (kind, id) at most once in the block, through one writer per kind (the bulk writer's pool and
        lengths), committed once when the block ends, merging as `index` would for that many. A
        writer per batch of 200 committed, and merged, a segment each time (~650 docs/s at 100,000)."""
        writers: dict = {}
        counts: dict[str, int] = {}

        def writer(kind: str):
            check_kind(kind)
            if kind not in writers:
                writers[kind] = _fast_bulk_writer(self._ix(kind).writer(timeout=self.writer_timeout, compound=False))
                counts[kind] = 0
            counts[kind] += 1
            return writers[kind]

        def put(docs: Iterable[SearchDoc]) -> None:
            for doc in docs:
                writer(doc.kind).update_document(**_fields(doc))

        def drop(keys: Iterable[tuple[str, int]]) -> None:
            for kind, doc_id in keys:
                writer(kind).delete_by_term("key", str(doc_id))

        try:
            yield put, drop
        except BaseException:
            for w in writers.values():
                w.cancel()
            raise
        for kind, w in writers.items():
            w.commit(merge=counts[kind] >= BIG_BATCH or len(w.segments) >= MAX_SEGMENTS)

    @contextmanager
    def build_aside(self, session: Session | None = None):
        """A new index in a directory of its own beside the live one, swapped in when the block
        ends: yields a backend on it (`bulk` first, then `index`/`delete`). Searches, here and in
        other processes, read the live directory until the swap (CURRENT replaced atomically) and
        reopen on their next search after it; the old directory is then removed (open files stay
        readable to a search under way). A failure removes the new directory: the live one stays.

        Call it holding the apply lock (`indexing.rebuild`): no other writer meanwhile, and a
        directory found here that CURRENT does not name is a crashed rebuild's: removed first.
        """
        with self._lock:
            old = _read_current(self.index_dir)
            self._remove_leftovers(keep=old)
            name = f"{ASIDE}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
            path = os.path.join(self.index_dir, name)
            os.makedirs(path)
        aside = WhooshSearchBackend(path, writer_timeout=self.writer_timeout)
        try:
            yield aside
            for kind in KINDS:  # a kind with no documents still gets its (empty) index
                aside._ix(kind)
            aside.close()
        except BaseException:
            aside.close()
            shutil.rmtree(path, ignore_errors=True)
            raise
        with self._lock:
            _write_current(self.index_dir, name)
            self._directory()  # this instance reads the new directory from now on
            self._remove_generation(old)

    def _remove_leftovers(self, *, keep: str) -> None:
        """Directories of rebuilds that crashed before their swap (or old ones a crash kept), and
        a pointer a crash left half-written."""
        for entry in os.listdir(self.index_dir):
            path = os.path.join(self.index_dir, entry)
            if entry.startswith(ASIDE) and entry != keep:
                shutil.rmtree(path, ignore_errors=True)
            elif entry.startswith(CURRENT + ".") and entry.endswith(".tmp"):
                os.remove(path)

    def _remove_generation(self, name: str) -> None:
        """The replaced index: its directory, or the root layout's files (the upgrade's first swap)."""
        if name:
            shutil.rmtree(os.path.join(self.index_dir, name), ignore_errors=True)
            return
        for entry in os.listdir(self.index_dir):
            if _ROOT_INDEX_FILE.match(entry):
                try:
                    os.remove(os.path.join(self.index_dir, entry))
                except (FileNotFoundError, IsADirectoryError):
                    pass

    def beside(self, kind: str) -> BesideWriter:
        """A writer of this index in another process (`BesideWriter`), for a transaction's new documents."""
        return BesideWriter(self.index_dir, kind, timeout=self.writer_timeout)

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
        allowed: SelectBase | None,
        order: Order = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """Rank only documents in `allowed`; count them exactly; snippets for the page."""
        check_search_args(kind, order, offset, limit)
        compiled = compile_query(parse(query))
        if compiled.query is None:
            return SearchPage(0, [])
        allowed_ids = None if allowed is None else _fetch_ids(session, allowed)
        if allowed_ids is not None and not allowed_ids:
            return SearchPage(0, [])
        with self._lock:
            return _retry_vanished(lambda: self._search(kind, compiled, allowed_ids, order, offset, limit))

    def _search(self, kind, compiled, allowed_ids, order, offset, limit) -> SearchPage:
        state = self._current(kind)
        scope = None if allowed_ids is None else state.allowed_bits(allowed_ids)
        matches = state.matches(compiled.query, scope)
        total = sum(bits.bit_count() for _, bits in matches)
        if total <= offset:
            return SearchPage(total, [])
        if order == "date":
            top = state.by_date(matches, offset + limit)
        else:
            top = state.by_relevance(compiled.query, matches, offset + limit)
        hits = [
            Hit(kind, leaf.data.ids[docnum], score,
                snippet(state.body(leaf, docnum), compiled.terms, compiled.prefixes))
            for score, leaf, docnum in top[offset:]
        ]
        return SearchPage(total, hits)

    def similar(self, text: str, *, kind: str, session: Session | None, allowed: SelectBase | None,
                limit: int = 10, min_df: int = 1) -> list[Hit]:
        """Key terms of `text` (`key_terms`) OR-ed and ranked by BM25 among `allowed`: whoosh's
        `more_like`, on the scope bitmaps and scorer every search here uses."""
        check_search_args(kind, "relevance", 0, limit)
        allowed_ids = None if allowed is None else _fetch_ids(session, allowed)
        if allowed_ids is not None and not allowed_ids:
            return []
        with self._lock:
            return _retry_vanished(lambda: self._similar(kind, text, allowed_ids, limit, min_df))

    def _similar(self, kind, text, allowed_ids, limit, min_df) -> list[Hit]:
        state = self._current(kind)
        words = key_terms(state.searcher, unicodedata.normalize("NFC", text), min_df=min_df)
        if not words:
            return []
        scope = None if allowed_ids is None else state.allowed_bits(allowed_ids)
        return [Hit(kind, leaf.data.ids[docnum], score, "")
                for score, leaf, docnum in _rank(state, words, _candidates(state, words, scope, limit), limit)]

    def clear(self) -> None:
        """Empty every kind's live index (under the write lock, so other processes see it at once)."""
        for kind in KINDS:
            writer = self._ix(kind).writer(timeout=self.writer_timeout, compound=False)
            writer.commit(mergetype=writing.CLEAR)

    def optimize(self) -> None:
        """Merge into one segment per kind: deleted documents' text leaves the disk."""
        for kind in KINDS:
            writer = self._ix(kind).writer(timeout=self.writer_timeout, compound=False)
            if len(writer.segments) > 1 or any(segment.has_deletions() for segment in writer.segments):
                writer.commit(optimize=True)
            else:
                writer.cancel()  # already one clean segment: rewriting it would gain nothing

    def doc_count(self, kind: str) -> int:
        with self._lock:
            return self._current(kind).doc_count()

    def close(self) -> None:
        """Release open readers (tests, shutdown); the next search reopens them."""
        with self._lock:
            _close_all(self._generations)


SIMILAR_CANDIDATES = 2000  # documents scored by every key term; beyond, ask for more shared terms
SIMILAR_LEADS = 5  # the most telling key terms, whose overlap picks the candidates


def _candidates(state: Generation, words: list[str], scope, limit: int):
    """The documents worth scoring: those sharing at least k of the text's most telling terms, the
    smallest k (1 to 4) that leaves no more than SIMILAR_CANDIDATES (but at least `limit`). Scoring
    every document with any common word of the text costs ~1 s at 100,000 cases; this stays small."""
    leads = words[:SIMILAR_LEADS]
    found = None
    for k in range(1, min(len(leads), 4) + 1):
        q = wq.Or([wq.Term(FIELD, w) for w in leads]) if k == 1 else wq.Or(
            [wq.And([wq.Term(FIELD, w) for w in combo]) for combo in combinations(leads, k)])
        matches = state.matches(q, scope)
        count = sum(bits.bit_count() for _, bits in matches)
        if found is not None and count < limit:
            break  # too few share this many: keep the wider set
        found = matches
        if count <= SIMILAR_CANDIDATES:
            break
    return found or []


def _rank(state: Generation, words: list[str], matches, limit: int):
    """BM25 over all key terms for the candidates, term by term (only where a term occurs): best first."""
    idf = {word: state.searcher.idf(FIELD, word) for word in words}
    ranked = []
    for leaf, bits in matches:
        acc: dict[int, float] = {}
        for word in words:
            term = state.evaluator.term(leaf, word, state.avgfl)
            hit = term.bits & bits if term.scores is not None else 0
            weight, scores = idf[word], term.scores
            for docnum in docnums_of(hit) if hit else ():
                acc[docnum] = acc.get(docnum, 0.0) + weight * scores[docnum]
        for docnum, score in heapq.nlargest(limit, acc.items(), key=lambda item: (item[1], -item[0])):
            ranked.append((-score, leaf.offset + docnum, leaf, docnum))
    ranked.sort(key=lambda row: row[:2])
    return [(-negative, leaf, docnum) for negative, _, leaf, docnum in ranked[:limit]]


def _fetch_ids(session: Session, allowed: SelectBase) -> list[int]:
    """The allowed ids, on the caller's transaction, read straight off the DB-API cursor.

    A scope can hold every case of a region; building a Row per id costs 2-3x the query.
    """
    result = session.connection().execute(allowed)
    try:
        if result.cursor is None:
            return list(result.scalars())
        return [row[0] for row in result.cursor.fetchall()]
    finally:
        result.close()


class _TermPool:
    """The bulk writer's posting pool: each term's postings kept in arrays, in the order they come,
    and written to the segment straight from them (`write`).

    whoosh's PostingPool keeps one tuple per posting and, past `limitmb`, sorts and marshals them
    to run files and merges the runs back (half of a 30,000-case rebuild went to that). A bulk
    writer adds documents in docnum order, so a term's postings arrive sorted: only the terms need
    sorting, once, at the end (~30 bytes a posting in memory). The segment gets the postings
    whoosh's pool would give, in the same order, with the same field lengths."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list]] = {}
        self.fieldnames = set()  # whoosh's pool interface

    def add(self, item) -> None:  # item: (fieldname, term bytes, docnum, weight, value bytes or None)
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = [array("l"), array("d"), bytearray(), array("l"), True]
        docs = postings[0]
        if docs and docs[-1] >= docnum:
            postings[4] = False  # out of docnum order (a merged segment's postings): sorted when written
        docs.append(docnum)
        postings[1].append(weight)
        if vbytes is None:
            postings[3].append(-1)
        else:
            postings[2] += vbytes
            postings[3].append(len(postings[2]))

    def write(self, schema, fieldwriter, lengths: dict[str, dict[int, int]], reader) -> None:
        """What whoosh's FieldWriter.add_postings does with the pool's sorted postings, without
        a tuple and a comparison or two per posting. `lengths`: the length bytes recorded as the
        documents were added (`reader`, the segment's per-document reader, for the other fields)."""
        as_length = [None] + [byte_to_length(b) for b in range(1, 256)]  # W3PerDocReader: a zero byte reads None
        for fieldname in sorted(self.fields):
            terms = self.fields.pop(fieldname)
            recorded = lengths.get(fieldname)
            fieldwriter.start_field(fieldname, schema[fieldname])
            add = fieldwriter.add
            for tbytes in sorted(terms):
                docs, weights, buf, ends, in_order = terms.pop(tbytes)
                data, start, rows = bytes(buf), 0, []
                put = rows.append if not in_order else None
                fieldwriter.start_term(tbytes)
                for docnum, weight, end in zip(docs, weights, ends):
                    if end < 0:
                        value = b""
                    else:
                        value, start = data[start:end], end
                    length = (as_length[recorded.get(docnum, 0)] if recorded is not None
                              else reader.doc_field_length(docnum, fieldname, 0))
                    if put is None:
                        add(docnum, weight, value, length)
                    else:
                        put((docnum, weight, value, length))
                for row in sorted(rows, key=lambda row: row[:3]):  # only postings that came out of order
                    add(*row)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self.fields.clear()


def _fast_bulk_writer(writer):
    """A single-process writer with whoosh's per-posting costs cut, writing the same bytes
    (tests/search/test_whoosh_backend.py compares the files): the postings in a `_TermPool` (in
    memory, never spilled to disk) written from there, with the documents' field lengths recorded
    as they were added (reading back the column just written, one value at a time, took a sixth of
    a rebuild)."""
    if not isinstance(writer, writing.SegmentWriter) or not isinstance(writer.pool, writing.PostingPool):
        return writer
    lengths: dict[str, dict[int, int]] = {}
    perdoc, add_field = writer.perdocwriter, writer.perdocwriter.add_field

    def recording_add_field(fieldname, fieldobj, value, length):
        if length:
            lengths.setdefault(fieldname, {})[perdoc._docnum] = length_to_byte(length)
        add_field(fieldname, fieldobj, value, length)

    def flush_segment():  # SegmentWriter._flush_segment, the postings written by the pool
        perdoc.close()
        reader = writer.per_document_reader()
        try:
            writer.pool.write(writer.schema, writer.fieldwriter, lengths, reader)
            writer.fieldwriter.close()
        finally:
            reader.close()

    perdoc.add_field = recording_add_field
    writer.pool.cleanup()
    writer.pool = _TermPool()
    writer._flush_segment = flush_segment
    return writer


def _read_current(root: str) -> str:
    """The live directory's name, "" when there is no CURRENT (the indexes lie in the root)."""
    try:
        with open(os.path.join(root, CURRENT), encoding="ascii") as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def _write_current(root: str, name: str) -> None:
    """Point CURRENT at `name` atomically (and durably: the new directory's files are synced by
    whoosh's commit; the pointer and the directory entry here)."""
    tmp = os.path.join(root, f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="ascii") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(root, CURRENT))
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _close_all(generations: dict[str, Generation]) -> None:
    for state in generations.values():
        state.close()
    generations.clear()


class BesideWriter:
    """Documents of one kind indexed in another process while the caller's transaction goes on (a
    history import on the machine's other core): the child holds the index's write lock and adds
    each batch `put` sends to one new, uncommitted segment, as `bulk` does (a document whose key
    the index already holds replaces it, as `update_document` would; a new one is only added).
    `prepare()` once the last batch is sent (the merge and the segment's files written, still
    unnamed by the index), `commit()` when the caller's transaction has committed: the segment
    becomes part of the index and the lock is released; `cancel()` (or this process's end) drops
    it, and whoosh removes its files with the next commit. Each answer of the child is awaited
    only by `commit`: the caller never waits for the index while it writes its rows."""

    def __init__(self, index_dir: str, kind: str, *, timeout: float) -> None:
        check_kind(kind)
        context = multiprocessing.get_context("spawn")  # not fork: the caller holds database connections
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_beside_main, args=(index_dir, kind, timeout, theirs),
                                        name="uth-index-beside", daemon=True)
        self._process.start()
        theirs.close()
        self.open, self.broken = True, False

    def put(self, docs: list[SearchDoc]) -> None:
        self._send(("put", docs))

    def prepare(self) -> None:
        self._send(("prepare",))

    def _send(self, message) -> None:
        """A child that failed has ended (its reason waits for `commit`): the rest goes nowhere."""
        if not self.broken:
            try:
                self._conn.send(message)
            except OSError:
                self.broken = True

    def commit(self) -> int:
        """Make the segment part of the index; the number of documents written. Raises when the
        child failed (nothing of the segment is then in the index)."""
        try:
            self._send(("commit",))
            answer = self._conn.recv()
        except (EOFError, OSError) as err:
            raise RuntimeError("the index writer beside ended without committing") from err
        finally:
            self._close()
        if answer[0] != "committed":
            raise RuntimeError(f"the index writer beside failed: {answer[1]}")
        return answer[1]

    def cancel(self) -> None:
        if not self.open:
            return
        try:
            self._conn.send(("cancel",))
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        self.open = False
        self._conn.close()
        self._process.join(60)
        if self._process.is_alive():  # e.g. stuck on a full disk: its lock dies with it
            self._process.kill()
            self._process.join()


def _beside_main(index_dir: str, kind: str, timeout: float, conn) -> None:
    """The child of a `BesideWriter`: messages are read as they come (the sender never waits on a
    full pipe) and done in order; the parent's end (EOF) cancels."""
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def receive() -> None:
        try:
            while True:
                message = conn.recv()
                inbox.put(message)
                if message[0] in ("commit", "cancel"):
                    return
        except (EOFError, OSError):
            inbox.put(("cancel",))

    threading.Thread(target=receive, daemon=True).start()
    backend, writer, segments, added = None, None, None, 0
    try:
        backend = WhooshSearchBackend(index_dir, writer_timeout=timeout)
        writer = _fast_bulk_writer(backend._ix(kind).writer(timeout=timeout, compound=False))
        indexed = writer.searcher().reader()  # the committed segments: which keys are already there
        while True:
            op, *args = inbox.get()
            if op == "put":
                for doc in args[0]:
                    fields = _fields(doc)
                    if ("key", fields["key"]) in indexed:
                        writer.delete_by_term("key", fields["key"])
                    writer.add_document(**fields)
                    added += 1
            elif op == "prepare" or (op == "commit" and segments is None):
                segments = _prepared_segments(writer, merge=added >= BIG_BATCH or len(writer.segments) >= MAX_SEGMENTS)
            if op == "commit":
                writer._commit_toc(segments)  # SegmentWriter.commit's last steps
                writer._finish()
                writer = None
                conn.send(("committed", added))
                return
            if op == "cancel":
                return
    except Exception as err:  # told to the parent, which leaves the outbox to do it
        try:
            conn.send(("failed", f"{type(err).__name__}: {err}"))
        except OSError:
            pass
    finally:
        if writer is not None:
            if segments is None:
                writer.cancel()
            else:
                writer._finish()  # the segment's files stay unnamed: removed by the next commit
        if backend is not None:
            backend.close()


def _prepared_segments(writer, *, merge: bool) -> list:
    """SegmentWriter.commit up to its table of contents: the merge policy's segments and the new one."""
    segments = writer._merge_segments(None, None, merge)
    if writer._added:
        segments.append(writer._finalize_segment())
    else:
        writer._close_segment()
    return segments
