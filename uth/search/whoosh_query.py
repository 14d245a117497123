"""whoosh pieces: the Danish analyzer, the query compiler and scope restriction."""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pickle import dumps
from typing import ClassVar

from whoosh import query as wq
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import TEXT
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.matching import NullMatcher, ReadTooFar
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.system import pack_uint

from .analysis import FOLD_TABLE, WORD
from .query import And, Node, Not, Or, Phrase, Term

FIELD = "content"


def danish_analyzer(*, stop: bool = True):
    """Words as analysis.WORD splits them, folded, without Danish stop words, stemmed."""
    chain = RegexTokenizer(WORD.pattern) | LowercaseFilter() | CharsetFilter(FOLD_TABLE)
    if stop:
        chain = chain | StopFilter(stoplist=stopwords_for_language("da"), minsize=1)
    return chain | StemFilter(lang="da", cachesize=50_000)


ANALYZER = danish_analyzer()
_PREFIX_ANALYZER = danish_analyzer(stop=False)
_STOPS = frozenset(stopwords_for_language("da"))
_STEM = stemmer_for_language("da")
_WORD_CACHE = 100_000  # distinct words remembered by DanishText (a rebuild meets each one many times)
_ONCE: dict[int, bytes] = {}  # the posting value of a word found once in a text, by its position


def _index_word(word: str) -> str | None:
    """A word as ANALYZER indexes it (lower-cased, folded, stemmed), None for a stop word."""
    text = word.lower().translate(FOLD_TABLE)
    return None if text in _STOPS else _STEM(text)


class DanishText(TEXT):
    """The content field: TEXT with ANALYZER and positions, whose `index()` gives the same postings
    in a fraction of the time (a rebuild spent ~40% of it in the analyzer's five chained token
    generators). Each distinct word is analysed once; positions are renumbered over the stop words
    as StopFilter does (the first kept word keeps its place, the next ones follow on). Searches,
    `key_terms` and everything else still analyse with ANALYZER (`self.analyzer`)."""

    _words: ClassVar[dict[str, str | None]] = {}

    def __init__(self) -> None:
        super().__init__(analyzer=ANALYZER, phrase=True)

    def index(self, value, **kwargs):
        if not isinstance(value, str) or kwargs.get("mode", "index") != "index":
            yield from super().index(value, **kwargs)
            return
        words = DanishText._words
        if len(words) > _WORD_CACHE:
            words.clear()
        positions: dict[str, list[int]] = {}
        pos = None
        for place, word in enumerate(WORD.findall(value)):
            term = words.get(word, "")
            if term == "":
                term = words[word] = _index_word(word)
            if term is None:
                continue
            pos = place if pos is None else pos + 1
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
        boost = self.format.field_boost
        once = _ONCE
        for term, places in positions.items():  # Positions.encode: the count, then the pickled gaps
            count = len(places)
            if count == 1:  # most words of a text: one value per position, made once
                value = once.get(places[0])
                if value is None:
                    value = once[places[0]] = pack_uint(1) + dumps(places, 2)
            else:
                value = pack_uint(count) + dumps([places[0]] + [b - a for a, b in pairwise(places)], 2)
            yield term.encode("utf-8"), count, float(count) * boost, value


@dataclass(frozen=True)
class Compiled:
    """A whoosh query (None: nothing can match) and what to highlight."""

    query: wq.Query | None
    terms: frozenset[str]
    prefixes: tuple[str, ...]


def compile_query(node: Node) -> Compiled:
    """Translate the parsed query, analysing each word as the index did."""
    terms: set[str] = set()
    prefixes: list[str] = []
    compiled = _compile(node, terms, prefixes, positive=True)
    return Compiled(compiled, frozenset(terms), tuple(prefixes))


def _stems(text: str) -> list[str]:
    return [token.text for token in ANALYZER(text, mode="query")]


def _compile(node: Node, terms: set[str], prefixes: list[str], positive: bool) -> wq.Query | None:
    if isinstance(node, Term) and node.prefix:
        stems = [token.text for token in _PREFIX_ANALYZER(node.text, mode="query")]
        if not stems:
            return None
        if positive:
            prefixes.append(stems[0])
        return wq.Prefix(FIELD, stems[0])
    if isinstance(node, (Term, Phrase)):
        stems = _stems(node.text if isinstance(node, Term) else " ".join(node.words))
        if positive:
            terms.update(stems)
        if not stems:
            return None  # only stop words
        return wq.Term(FIELD, stems[0]) if len(stems) == 1 else wq.Phrase(FIELD, stems)
    if isinstance(node, Not):
        return _compile(node.item, terms, prefixes, not positive)
    if isinstance(node, Or):
        items = [_compile(item, terms, prefixes, positive) for item in node.items]
        found = [item for item in items if item is not None]
        return (found[0] if len(found) == 1 else wq.Or(found)) if found else None
    return _compile_and(node, terms, prefixes, positive)


def _compile_and(node: And, terms: set[str], prefixes: list[str], positive: bool) -> wq.Query | None:
    """Required parts AND-ed, excluded parts subtracted; no required part left: no match."""
    required = [_compile(item, terms, prefixes, positive) for item in node.items if not isinstance(item, Not)]
    excluded = [_compile(item.item, terms, prefixes, not positive) for item in node.items if isinstance(item, Not)]
    required = [item for item in required if item is not None]
    excluded = [item for item in excluded if item is not None]
    if not required:
        return None
    base = required[0] if len(required) == 1 else wq.And(required)
    if not excluded:
        return base
    return wq.AndNot(base, excluded[0] if len(excluded) == 1 else wq.Or(excluded))


KEY_TERMS = 12  # words of a text that find similar ones (SPEC §20); more only add common-word noise
MAX_DF_SHARE = 0.1  # a word in more than this share of the documents tells little and costs most
MIN_KEY_TERMS = 3  # fewer telling words than this: the least common of the others fill up
MIN_DF_CAP = 200  # in a small index every word is "common": the share applies above this many documents


def key_terms(searcher, text: str, *, limit: int = KEY_TERMS, min_df: int = 1) -> list[str]:
    """The text's stems that best tell it apart, as whoosh's `more_like` picks them: frequency in the
    text × rarity in the index (idf); stems no document has, or fewer than `min_df`, are left out, and
    so are stems in more than MAX_DF_SHARE of the documents (their posting lists are what a similarity
    search spends its time reading, for almost no say in the ranking) unless too few would be left."""
    counts = Counter(token.text for token in ANALYZER(text))
    most = max(MIN_DF_CAP, int(searcher.doc_count() * MAX_DF_SHARE))
    telling, common = [], []
    for stem, tf in counts.items():
        df = searcher.doc_frequency(FIELD, stem)
        if df < max(min_df, 1):
            continue
        (telling if df <= most else common).append((tf * searcher.idf(FIELD, stem), df, stem))
    telling.sort(key=lambda item: (-item[0], item[2]))
    common.sort(key=lambda item: (item[1], item[2]))
    chosen = telling[:limit] + common[:max(0, MIN_KEY_TERMS - len(telling))]
    return [stem for _, _, stem in chosen]


class RestrictMatcher(WrappingMatcher):
    """Wraps a matcher so it only stops on the given document numbers (segment-local, sorted).

    The posting lists jump (skip_to) from one allowed document to the next, where whoosh's
    `filter=` would look at every match: checking phrase positions costs only the candidates.
    """

    def __init__(self, child, allowed: list[int], pos: int = 0) -> None:
        super().__init__(child)
        self._allowed = allowed
        self._pos = pos
        self._sync()

    def _sync(self) -> bool:
        """Advance both sides to the next document that matches and is allowed."""
        child, allowed, moved = self.child, self._allowed, False
        while child.is_active():
            self._pos = bisect_left(allowed, child.id(), self._pos)
            if self._pos >= len(allowed) or allowed[self._pos] == child.id():
                break
            child.skip_to(allowed[self._pos])
            moved = True
        return moved

    def copy(self):
        return RestrictMatcher(self.child.copy(), self._allowed, self._pos)

    def is_active(self) -> bool:
        return self._pos < len(self._allowed) and self.child.is_active()

    def replace(self, minquality=0):
        if not self.is_active():
            return NullMatcher()
        new = self.child.replace(minquality)
        if new is self.child:
            return self
        return RestrictMatcher(new, self._allowed, self._pos) if new.is_active() else NullMatcher()

    def next(self):
        if not self.is_active():
            raise ReadTooFar
        moved = self.child.next()
        return self._sync() or moved

    def skip_to(self, docnum):
        if not self.is_active():
            raise ReadTooFar
        moved = self.child.skip_to(docnum) if docnum > self.child.id() else False
        return self._sync() or moved

    def skip_to_quality(self, minquality):
        skipped = self.child.skip_to_quality(minquality)
        self._sync()
        return skipped

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()
