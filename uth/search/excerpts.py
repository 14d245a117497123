"""Result excerpts: up to two fragments of a document's narrative with the matched words marked.

One implementation for both backends, matching words as the whoosh analyzer does (folded, Danish
snowball stems), so excerpts look the same whichever engine found the document.
"""
from __future__ import annotations

from functools import lru_cache
from html import escape

from whoosh import highlight
from whoosh.analysis import Token
from whoosh.lang import stemmer_for_language

from .analysis import WORD, fold


class MarkFormatter(highlight.Formatter):
    """HTML-escaped text with matches in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace), quote=False)}</mark>"


_FRAGMENTER = highlight.ContextFragmenter(maxchars=160, surround=50)
_FORMATTER = MarkFormatter()
_SCORER = highlight.BasicFragmentScorer()


def snippet(text: str, terms: frozenset[str], prefixes: tuple[str, ...], *, fallback_chars: int = 200) -> str:
    """Up to two fragments around the matched words; the text's start when none match."""
    tokens = _highlight_tokens(text, terms, prefixes)
    fragments = highlight.top_fragments(_FRAGMENTER.fragment_tokens(text, tokens), 2, _SCORER, highlight.FIRST, 1)
    if fragments:
        return _FORMATTER.format(fragments)
    head = text[:fallback_chars]
    return escape(head if len(text) <= fallback_chars else head.rsplit(" ", 1)[0] + " …", quote=False)


_stem = lru_cache(maxsize=50_000)(stemmer_for_language("da"))


def _highlight_tokens(text: str, terms: frozenset[str], prefixes: tuple[str, ...]):
    """The text's words as tokens, matched like the index analyzer would, stemming only candidates.

    A Danish snowball stem is a prefix of its (folded) word, so a word that does not start with
    any query stem cannot match: skipping the stemmer for those makes snippets ~5x cheaper.
    """
    token = Token(chars=True)
    starts = tuple(terms)
    for match in WORD.finditer(text):
        word = fold(match.group())
        token.text, token.startchar, token.endchar = word, match.start(), match.end()
        token.matched = bool(
            (starts and word.startswith(starts) and _stem(word) in terms)
            or (prefixes and word.startswith(prefixes) and _stem(word).startswith(prefixes))
        )
        yield token
