"""One committed generation of a whoosh index: scope, totals and ranking over its segments."""
from __future__ import annotations

import heapq
from collections.abc import Sequence

from whoosh import index
from whoosh import query as wq

from .whoosh_bitmaps import _MASK, Evaluator, Leaf, SegmentData, bits_from, docnums_of, scoring_terms, stored_column
from .whoosh_query import FIELD

# Below this share of a segment, sorting the matches beats walking the segment's date order.
_SPARSE = 1 / 64


class Generation:
    """A searcher for one commit, its segments, and their live-document masks."""

    def __init__(self, ix: index.Index, segments: dict[str, SegmentData], evaluator: Evaluator) -> None:
        self.searcher = ix.searcher()
        try:
            self._open_leaves(segments, evaluator)
        except BaseException:  # e.g. a segment merged away meanwhile: the caller retries
            self.searcher.close()
            raise
        self._bodies: dict[int, object] = {}

    def _open_leaves(self, segments: dict[str, SegmentData], evaluator: Evaluator) -> None:
        self.generation = self.searcher.reader().generation()
        self.evaluator = evaluator
        self.avgfl = self.searcher.avg_field_length(FIELD) or 1.0
        self.leaves: list[Leaf] = []
        for sub, offset in self.searcher.leaf_searchers():
            reader = sub.reader()
            if reader.segment() is None:  # an empty index has no segment
                continue
            key = reader.segment().segment_id()
            data = segments.get(key) or segments.setdefault(key, SegmentData(reader))
            deleted = reader.deleted_docs_set
            live = (1 << data.size) - 1
            if deleted:
                live &= ~bits_from(deleted, data.size)
            self.leaves.append(Leaf(key, sub, offset, data, live, deleted))

    def doc_count(self) -> int:
        return self.searcher.doc_count()

    def allowed_bits(self, ids: Sequence[int]) -> list[int]:
        """Per segment, the bitmap of live documents whose id is allowed (biggest segment first)."""
        result = [0] * len(self.leaves)
        pending = ids
        for n in sorted(range(len(self.leaves)), key=lambda n: -self.leaves[n].data.size):
            leaf = self.leaves[n]
            docnums = list(map(leaf.data.position.get, pending))
            if leaf.deleted:
                docnums = [None if docnum in leaf.deleted else docnum for docnum in docnums]
            found = [docnum for docnum in docnums if docnum is not None]
            result[n] = bits_from(found, leaf.data.size)
            if len(found) == len(pending):
                break
            pending = [doc_id for doc_id, docnum in zip(pending, docnums) if docnum is None]
        return result

    def matches(self, q: wq.Query, allowed: list[int] | None) -> list[tuple[Leaf, int]]:
        """(segment, bitmap) of the live, allowed documents matching q."""
        found = []
        for n, leaf in enumerate(self.leaves):
            if allowed is not None and not allowed[n]:
                continue
            bits = self.evaluator.bits(q, leaf, self.avgfl) & leaf.live
            if allowed is not None:
                bits &= allowed[n]
            if bits:
                found.append((leaf, bits))
        return found

    def by_relevance(self, q: wq.Query, matches: list[tuple[Leaf, int]], top: int) -> list[tuple[float, Leaf, int]]:
        """BM25 over the query's words (a matched prefix adds 1), best first, ties by docnum."""
        words, prefixes = scoring_terms(q)
        if not words and len(prefixes) == 1:  # every match scores the same: the newest first
            return [(1.0, leaf, docnum) for _, leaf, docnum in self.by_date(matches, top)]
        idf = {word: self.searcher.idf(FIELD, word) for word in words}
        ranked: list[tuple[float, int, Leaf, int]] = []
        for leaf, bits in matches:
            terms = [(idf[word], self.evaluator.term(leaf, word, self.avgfl)) for word in sorted(words)]
            parts = [(weight, term.scores) for weight, term in terms if term.scores is not None]
            marks = [self.evaluator.prefix(leaf, prefix) for prefix in prefixes]
            score = _scorer(parts, [mark.to_bytes((leaf.data.size + 7) >> 3, "little") for mark in marks])
            count = bits.bit_count()
            if len(terms) == 1 and not marks and count * 8 > terms[0][1].bits.bit_count():
                best = _first(self.evaluator.best(leaf, next(iter(words)), self.avgfl), bits, leaf.data.size, top)
            else:  # nlargest is stable: ties keep docnum order
                best = heapq.nlargest(top, docnums_of(bits), key=score)
            ranked.extend((-score(docnum), leaf.offset + docnum, leaf, docnum) for docnum in best)
        ranked.sort(key=lambda row: row[:2])
        return [(-negative, leaf, docnum) for negative, _, leaf, docnum in ranked[:top]]

    def by_date(self, matches: list[tuple[Leaf, int]], top: int) -> list[tuple[float, Leaf, int]]:
        """Newest first (received, then id); undated documents last."""
        newest: list[tuple[int, int, Leaf, int]] = []
        for leaf, bits in matches:
            data = leaf.data
            if bits.bit_count() < data.size * _SPARSE:
                docnums = sorted(docnums_of(bits), key=lambda d: (-data.received[d], -data.ids[d]))[:top]
            else:
                docnums = _first(data.newest_first(), bits, data.size, top)
            newest.extend((-data.received[d], -data.ids[d], leaf, d) for d in docnums)
        newest.sort(key=lambda row: row[:2])
        return [(0.0, leaf, docnum) for _, _, leaf, docnum in newest[:top]]

    def body(self, leaf: Leaf, docnum: int) -> str:
        if leaf.offset not in self._bodies:  # opening a column reader reads its offset table
            self._bodies[leaf.offset] = stored_column(leaf.searcher.reader(), "body")
        return self._bodies[leaf.offset][docnum].decode("utf-8")

    def close(self) -> None:
        self.searcher.close()


def _first(order: list[int], bits: int, size: int, top: int) -> list[int]:
    """The first `top` documents of `order` that are in the bitmap."""
    marks, found = bits.to_bytes((size + 7) >> 3, "little"), []
    for docnum in order:
        if marks[docnum >> 3] & _MASK[docnum & 7]:
            found.append(docnum)
            if len(found) == top:
                break
    return found


def _scorer(parts: list[tuple[float, object]], marks: list[bytes]):
    """A fast key function for the common shapes: one word, two words, anything."""
    if len(parts) == 1 and not marks:
        weight, scores = parts[0]
        return lambda d: weight * scores[d]
    if len(parts) == 2 and not marks:
        (w1, s1), (w2, s2) = parts
        return lambda d: w1 * s1[d] + w2 * s2[d]

    def score(d: int) -> float:
        total = sum(weight * scores[d] for weight, scores in parts)
        return total + sum(1.0 for mark in marks if mark[d >> 3] & _MASK[d & 7])

    return score
