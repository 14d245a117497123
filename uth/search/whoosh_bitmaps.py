"""Per-segment bitmaps and score arrays: whoosh's postings, evaluated at big-integer speed.

whoosh walks postings one Python call at a time (~2 µs each), so counting, scoping and ranking
50,000 matches costs hundreds of ms at 100,000 reports. whoosh segments never change once
written (deletions only add to a mask), so for each (segment, term) we decode the postings once
into a bitmap (a Python int) and a dense array of BM25 term scores; a query is then AND/OR/NOT
of ints, a total is int.bit_count(), and ranking reads array cells of the matching documents.
"""
from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .whoosh_query import FIELD, RestrictMatcher

K1, B = 1.2, 0.75  # whoosh's BM25F defaults
_MASK = tuple(1 << bit for bit in range(8))
_BITS = tuple(tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256))
_LENGTH = [byte_to_length(byte) or 1 for byte in range(256)]


def bits_from(docnums, size: int) -> int:
    """A bitmap (bit d set for each docnum d) of a segment of `size` documents."""
    buf = bytearray((size + 7) >> 3)
    for docnum in docnums:
        buf[docnum >> 3] |= _MASK[docnum & 7]
    return int.from_bytes(buf, "little")


def docnums_of(bits: int) -> list[int]:
    """The set bits of a bitmap, ascending."""
    out: list[int] = []
    for index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) >> 3, "little")):
        if byte:
            base = index << 3
            out.extend(base + bit for bit in _BITS[byte])
    return out


class ByteLRU:
    """A least-recently-used cache bounded by the bytes its values hold."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            return item[0]
        return None

    def put(self, key, value, size: int):
        self._items[key] = (value, size)
        self.used += size
        while self.used > self.max_bytes and len(self._items) > 1:
            _, (_, dropped) = self._items.popitem(last=False)
            self.used -= dropped
        return value

    def drop_segments(self, live: set[str]) -> None:
        for key in [key for key in self._items if key[0] not in live]:
            self.used -= self._items.pop(key)[1]


def stored_column(reader, fieldname: str):
    """A segment's column, untranslated. Every document has every column, so a missing column file
    means the segment was merged away (its files deleted) since the reader opened: that is a
    FileNotFoundError the caller retries on, not whoosh's column of default values."""
    if not reader._perdoc.has_column(fieldname):  # whoosh 2.7 internals
        raise FileNotFoundError(f"column {fieldname!r} of segment {reader.segment().segment_id()}")
    return reader.column_reader(fieldname, translate=False)


def load_numbers(column, size: int) -> list[int]:
    """A numeric column as a list, read as one array rather than value by value."""
    try:
        dbfile, start, stored = column._dbfile, column._basepos, column._count  # whoosh 2.7 internals
    except AttributeError:  # no values stored, or another whoosh version: the slow, public way
        return [column[docnum] for docnum in range(size)]
    return dbfile.get_array(start, column._typecode, stored).tolist() + [column._default] * (size - stored)


class SegmentData:
    """What never changes for a segment: ids, dates, field lengths, the newest-first order."""

    def __init__(self, reader) -> None:
        self.size = reader.doc_count_all()
        self.ids = load_numbers(stored_column(reader, "id"), self.size)
        self.received = load_numbers(stored_column(reader, "received"), self.size)
        self.position = {doc_id: local for local, doc_id in enumerate(self.ids)}  # a later copy wins
        lengths = reader._perdoc.column_reader(f"_{FIELD}_len", LENGTHS_COLUMN)  # whoosh 2.7 internals
        self.lengths = [_LENGTH[byte] for byte in load_numbers(lengths, self.size)]
        self._newest: list[int] | None = None

    def newest_first(self) -> list[int]:
        if self._newest is None:
            received, ids = self.received, self.ids
            self._newest = sorted(range(self.size), key=lambda d: (-received[d], -ids[d]))
        return self._newest


@dataclass
class Leaf:
    """One segment as seen by one generation of the index."""

    key: str
    searcher: object  # the segment's sub-searcher
    offset: int
    data: SegmentData
    live: int  # bitmap of the documents not deleted in this generation
    deleted: frozenset[int]


@dataclass(frozen=True)
class TermData:
    bits: int
    scores: array | None  # BM25 term-frequency part per docnum (times idf); None: term absent


def _blocks(reader, text: str):
    """(ids, weights) per posting block, deleted documents included (the caller masks them)."""
    try:
        matcher = reader.postings(FIELD, text)
    except TermNotFound:
        return
    leaf = getattr(matcher, "child", matcher)  # a FilterMatcher hides deletions: we mask instead
    if not hasattr(leaf, "_read_ids"):  # another codec: one posting at a time
        while matcher.is_active():
            yield (matcher.id(),), (matcher.weight(),)
            matcher.next()
        return
    while leaf.is_active():  # whoosh 2.7 W3 internals: whole decoded blocks
        leaf._read_ids()
        leaf._read_weights()
        yield leaf._ids, leaf._weights
        leaf._next_block()


class Evaluator:
    """Bitmaps and scores for one index kind, cached across generations by segment."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.cache = ByteLRU(max_bytes)

    def term(self, leaf: Leaf, text: str, avgfl: float) -> TermData:
        key = (leaf.key, "t", text, round(avgfl))
        found = self.cache.get(key)
        if found is not None:
            return found
        size, lengths = leaf.data.size, leaf.data.lengths
        scores, buf = None, None
        base, slope = K1 * (1 - B), K1 * B / avgfl
        for ids, weights in _blocks(leaf.searcher.reader(), text):
            if scores is None:
                scores, buf = array("f", bytes(4 * size)), bytearray((size + 7) >> 3)
            for docnum, tf in zip(ids, weights):
                scores[docnum] = tf * (K1 + 1) / (tf + base + slope * lengths[docnum])
                buf[docnum >> 3] |= _MASK[docnum & 7]
        if scores is None:
            return self.cache.put(key, TermData(0, None), 64)
        return self.cache.put(key, TermData(int.from_bytes(buf, "little"), scores), 4 * size + len(buf))

    def best(self, leaf: Leaf, text: str, avgfl: float) -> list[int]:
        """The term's documents by descending score (ties by docnum): top-N without a full scan."""
        key = (leaf.key, "b", text, round(avgfl))
        found = self.cache.get(key)
        if found is None:
            data = self.term(leaf, text, avgfl)
            scores = data.scores
            found = sorted(docnums_of(data.bits), key=lambda d: -scores[d]) if scores is not None else []
            self.cache.put(key, found, 8 * len(found) + 64)
        return found

    def bits(self, q: wq.Query, leaf: Leaf, avgfl: float) -> int:
        """Documents of the segment matching q (deleted ones too: AND with leaf.live)."""
        if isinstance(q, wq.Term):
            return self.term(leaf, q.text, avgfl).bits
        if isinstance(q, wq.And):
            result = -1
            for sub in q.subqueries:
                result &= self.bits(sub, leaf, avgfl)
                if not result:
                    break
            return max(result, 0)
        if isinstance(q, wq.Or):
            result = 0
            for sub in q.subqueries:
                result |= self.bits(sub, leaf, avgfl)
            return result
        if isinstance(q, wq.AndNot):
            positive = self.bits(q.a, leaf, avgfl)
            return positive & ~self.bits(q.b, leaf, avgfl) if positive else 0
        if isinstance(q, wq.Prefix):
            return self.prefix(leaf, q.text)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, leaf, avgfl)
        raise TypeError(f"cannot evaluate {q!r}")

    def prefix(self, leaf: Leaf, text: str) -> int:
        key = (leaf.key, "p", text)
        found = self.cache.get(key)
        if found is None:
            words = leaf.searcher.reader().expand_prefix(FIELD, text)
            docnums = (docnum for word in words for ids, _ in _blocks(leaf.searcher.reader(), word) for docnum in ids)
            found = self.cache.put(key, bits_from(docnums, leaf.data.size), leaf.data.size >> 3)
        return found

    def _phrase(self, q: wq.Phrase, leaf: Leaf, avgfl: float) -> int:
        """Candidates from the words' bitmaps; positions checked only for those, once."""
        key = (leaf.key, "q", tuple(q.words))
        found = self.cache.get(key)
        if found is None:
            candidates = -1
            for word in q.words:
                candidates &= self.term(leaf, word, avgfl).bits
            found = 0
            if candidates > 0:
                matcher = q.matcher(leaf.searcher, leaf.searcher.boolean_context())
                if matcher.is_active():
                    found = bits_from(RestrictMatcher(matcher, docnums_of(candidates)).all_ids(), leaf.data.size)
            self.cache.put(key, found, leaf.data.size >> 3)
        return found


def scoring_terms(q: wq.Query) -> tuple[set[str], list[str]]:
    """Words that add BM25 score (terms and phrase words) and prefixes (a constant 1 each)."""
    words: set[str] = set()
    prefixes: list[str] = []
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, wq.Term):
            words.add(node.text)
        elif isinstance(node, wq.Phrase):
            words.update(node.words)
        elif isinstance(node, wq.Prefix):
            prefixes.append(node.text)
        elif isinstance(node, wq.AndNot):
            stack.append(node.a)
        else:
            stack.extend(node.subqueries)
    return words, prefixes
