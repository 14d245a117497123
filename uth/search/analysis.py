"""Text normalisation shared by the query parser and every backend, so they split words alike."""
from __future__ import annotations

import re
import unicodedata

# Danish letters are letters of their own, not accented a/o: "får" and "far" must stay apart.
_KEEP = set("æøåÆØÅ")


def _fold_table() -> dict[int, str]:
    """Map accented Latin letters (é, ü, ñ …) to their base letter; leave æ, ø, å alone."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        if char in _KEEP:
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base
    return table


FOLD_TABLE = _fold_table()
# str.translate with a dict looks every character up (~0.3 ms for a case's text); most texts have
# nothing to fold, which one regex search finds out in a fraction of that.
_FOLDABLE = re.compile("[" + re.escape("".join(map(chr, FOLD_TABLE))) + "]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A word is a run of letters and digits; everything else (punctuation, "_", "-") separates words.
WORD = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower-case and strip accents except the Danish letters (composed first: e + ´ is é)."""
    text = unicodedata.normalize("NFC", text).lower()
    return text.translate(FOLD_TABLE) if _FOLDABLE.search(text) else text


def words(text: str) -> list[str]:
    """The words of a text, folded, in order."""
    return WORD.findall(fold(text))


def index_text(text: str) -> str:
    """Folded words separated by spaces: what a backend's own tokenizer should see."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def strip_control(text: str) -> str:
    """Remove control characters (keep tab and newlines) so sentinels and parsers stay safe."""
    return _CONTROL.sub(" ", text)
