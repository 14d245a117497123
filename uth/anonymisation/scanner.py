"""Find personal data (CPR, phone, e-mail, names) in free text (SPEC §8, §10).

Closing a case and publishing a learning summary are refused while `scan` finds anything, so
the rules below trade false negatives (leaks) against false positives (noise) explicitly:

* CPR: ``DDMMYY-SSSS``, ``DDMMYYSSSS`` or ``DDMMYY SSSS`` whose first six digits are a date that
  is valid in *some* century, not inside a longer digit run. Modulus 11 is not checked.
* Phone: eight digits starting with 2-9, as ``12345678``, ``12 34 56 78``, ``12-34-56-78``,
  ``12.34.56.78`` or ``1234 5678``, optionally prefixed ``+45``, ``0045`` or ``(+45)``. Not part of
  a longer number, reference (``UTH-2026-000123``), amount or dose, and an unseparated eight-digit
  run that is a valid ``DDMMYYYY``/``YYYYMMDD`` date is taken as a date.
* E-mail: an ordinary ``local@domain.tld`` pattern; Danish letters are allowed.
* Names: every part (length >= 2) of the names from structured fields, as a whole word,
  case-insensitively, with an optional genitive (``Karens``, ``Jens'``). Hyphenated parts are
  matched whole and by their pieces. Particles such as "af", "van", "de" are never matched alone.
  Four very common Danish words that are also given names ("hans", "per", "bo", "max") count only
  when capitalised; any other lowercase hit (patient "Mark", text "mark") *is* flagged and the
  handler accepts it through ``not_personal`` - which works because ids are stable. The full name,
  or name parts separated only by spaces, give one finding rather than one per part.

Overlaps are resolved by kind (email > cpr > phone > name), then by length, so no two findings
overlap. A finding's id hashes (field, kind, normalised text); the n-th (n >= 2) occurrence of the
same text in the same field gets the suffix ``-n``, so ids survive re-scans and edits elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = ["Finding", "PLACEHOLDERS", "is_value", "redact", "scan", "without_accepted"]

PLACEHOLDERS: dict[str, str] = {
    "cpr": "[CPR]",
    "phone": "[TELEFON]",
    "email": "[EMAIL]",
    "name": "[NAVN]",
}
_Span = tuple[str, int, int]  # (kind, start, end)
_PRIORITY = {"email": 0, "cpr": 1, "phone": 2, "name": 3}

# Particles that are part of names but also ordinary words; never flagged on their own.
_STOP_PARTS = frozenset(
    "af al bin da das de del den der des di do dos du el ibn la le og ten ter van von zu".split()
)
# Given names that are also very frequent lowercase Danish words: flagged only when capitalised.
_LOWERCASE_WORDS = frozenset({"hans", "per", "bo", "max"})

_CPR_RE = re.compile(r"(?<!\d)(?<!\d[-./])(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)(?![-./]\d)")

_PHONE_RE = re.compile(
    r"""
    (?<![\w+#/@])(?<!\w-)(?<!\d[.,])
    (?P<prefix>(?:\+45|0045|\(\+45\))[ ]?)?
    (?P<number>
        [2-9]\d{7}
      | [2-9]\d[ ]\d{2}[ ]\d{2}[ ]\d{2}
      | [2-9]\d-\d{2}-\d{2}-\d{2}
      | [2-9]\d\.\d{2}\.\d{2}\.\d{2}
      | [2-9]\d{3}[ ]\d{4}
    )
    (?!\w)(?![-.,/:]\d)
    """,
    re.VERBOSE,
)
_AMOUNT_BEFORE_RE = re.compile(r"(?:\bkr\.?|\bdkk|\beur|€|\$)\s*$", re.IGNORECASE)
_UNIT_AFTER_RE = re.compile(
    r"^\s?(?:kr\b|kroner\b|dkk\b|,-|mg\b|mcg\b|µg\b|ml\b|g\b|mmol\b|ie\b|enheder\b|stk\b|%)",
    re.IGNORECASE,
)

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])", re.IGNORECASE
)

_GENITIVE = r"(?:['’]s|s|['’])?"
_NAME_SPLIT_RE = re.compile(r"\s+")
_SAME_LINE_GAP_RE = re.compile(r"[ \t\u00a0]+")
_NON_DIGIT_RE = re.compile(r"\D")
_DIGIT_AFTER_RE = re.compile(r" \d")
_DIGIT_BEFORE_RE = re.compile(r"\d $")


@dataclass(frozen=True)
class Finding:
    """One piece of suspected personal data; `id` is what handlers send back as not_personal."""

    id: str
    field: str
    kind: str
    text: str
    start: int
    end: int


def _valid_cpr_date(dd: int, mm: int, yy: int) -> bool:
    """Accept a CPR date valid in any century (1800/1900/2000).

    The 7th-digit century rule only changes the answer for 29 February of year 00 (leap in 2000,
    not in 1800/1900); accepting any century means a mistyped serial digit cannot hide a CPR.
    """
    for century in (2000, 1900, 1800):
        try:
            date(century + yy, mm, dd)
        except ValueError:
            continue
        return True
    return False


def _is_compact_date(digits: str) -> bool:
    """Tell whether eight digits read as DDMMYYYY or YYYYMMDD (years 1900-2099)."""
    for y, m, d in ((digits[4:], digits[2:4], digits[:2]), (digits[:4], digits[4:6], digits[6:])):
        if 1900 <= int(y) <= 2099:
            try:
                date(int(y), int(m), int(d))
            except ValueError:
                continue
            return True
    return False


def _find_cpr(text: str) -> Iterator[tuple[int, int]]:
    """Yield spans of CPR-shaped numbers with a valid date part."""
    for m in _CPR_RE.finditer(text):
        dd, mm, yy = (int(g) for g in m.groups())
        if _valid_cpr_date(dd, mm, yy):
            yield m.span()


def _find_phones(text: str) -> Iterator[tuple[int, int]]:
    """Yield spans of Danish phone numbers, skipping dates, amounts, doses and digit sequences."""
    for m in _PHONE_RE.finditer(text):
        number = m.group("number")
        start, end = m.span()
        if not m.group("prefix"):
            if number.isdigit() and _is_compact_date(number):
                continue
            if _AMOUNT_BEFORE_RE.search(text[max(0, start - 6) : start]):
                continue
        if _UNIT_AFTER_RE.match(text[end : end + 10]):
            continue
        before = text[max(0, start - 2) : start]
        if " " in number and (_DIGIT_AFTER_RE.match(text, end) or _DIGIT_BEFORE_RE.search(before)):
            continue  # one group of a longer space-separated digit sequence
        yield start, end


def _find_emails(text: str) -> Iterator[tuple[int, int]]:
    """Yield spans of e-mail addresses."""
    for m in _EMAIL_RE.finditer(text):
        yield m.span()


def _name_tokens(name: str) -> list[str]:
    """Split a full name into tokens, dropping surrounding punctuation."""
    tokens = (t.strip(".,;:()\"'") for t in _NAME_SPLIT_RE.split(name.strip()))
    return [t for t in tokens if t]


def _name_parts(names: Iterable[str]) -> set[str]:
    """Collect the name parts worth searching for: length >= 2, not a particle."""
    parts: set[str] = set()
    for name in names:
        for token in _name_tokens(name or ""):
            for part in [token, *token.split("-")] if "-" in token else [token]:
                if len(part) >= 2 and part.casefold() not in _STOP_PARTS:
                    parts.add(part)
    return parts


@lru_cache(maxsize=512)
def _word_re(body: str) -> re.Pattern[str]:
    """Compile (and cache) a whole-word, case-insensitive pattern with optional genitive."""
    return re.compile(rf"(?<!\w){body}{_GENITIVE}(?!\w)", re.IGNORECASE)


def _find_names(text: str, names: list[str], parts: set[str]) -> Iterator[tuple[int, int]]:
    """Yield spans of full names and of individual name parts."""
    for name in names:
        tokens = _name_tokens(name)
        if len(tokens) >= 2:
            body = r"\s+".join(re.escape(t) + (r"\.?" if len(t) == 1 else "") for t in tokens)
            for m in _word_re(body).finditer(text):
                yield m.span()
    for part in parts:
        lower_ok = part.casefold() not in _LOWERCASE_WORDS
        for m in _word_re(re.escape(part)).finditer(text):
            if lower_ok or m.group()[0].isupper():
                yield m.span()


def _resolve(candidates: list[_Span]) -> list[_Span]:
    """Keep non-overlapping candidates, preferring kind priority, then the longer span."""
    kept: list[_Span] = []
    for kind, start, end in sorted(candidates, key=lambda c: (_PRIORITY[c[0]], c[1] - c[2], c[1])):
        if all(end <= s or start >= e for _, s, e in kept):
            kept.append((kind, start, end))
    return sorted(kept, key=lambda c: c[1])


def _merge_adjacent_names(text: str, spans: list[_Span]) -> list[_Span]:
    """Join name findings separated only by spaces, so "Karen Østergaard" is one finding."""
    merged: list[_Span] = []
    for kind, start, end in spans:
        if merged and kind == "name" and merged[-1][0] == "name":
            _, prev_start, prev_end = merged[-1]
            if _SAME_LINE_GAP_RE.fullmatch(text[prev_end:start]):
                merged[-1] = ("name", prev_start, end)
                continue
        merged.append((kind, start, end))
    return merged


def _normalise(kind: str, matched: str) -> str:
    """Reduce matched text to the form that identifies it (so formatting changes keep the id)."""
    if kind == "cpr":
        return _NON_DIGIT_RE.sub("", matched)
    if kind == "phone":
        return _NON_DIGIT_RE.sub("", matched)[-8:]
    return " ".join(matched.replace("’", "'").casefold().split())


def _finding_id(field: str, kind: str, normalised: str, occurrence: int) -> str:
    """Derive a stable short id from field, kind and normalised text (plus occurrence >= 2)."""
    digest = hashlib.sha256(f"{field}\x1f{kind}\x1f{normalised}".encode()).hexdigest()[:10]
    return f"{kind}-{digest}" if occurrence == 1 else f"{kind}-{digest}-{occurrence}"


def scan(fields: Mapping[str, str | None], names: Iterable[str] = ()) -> list[Finding]:
    """Return the personal data found in the given free-text fields, in field and text order."""
    name_list = [n for n in names if n and n.strip()]
    parts = _name_parts(name_list)
    findings: list[Finding] = []
    for field, text in fields.items():
        if not text:
            continue
        candidates = [("cpr", s, e) for s, e in _find_cpr(text)]
        candidates += [("phone", s, e) for s, e in _find_phones(text)]
        candidates += [("email", s, e) for s, e in _find_emails(text)]
        candidates += [("name", s, e) for s, e in _find_names(text, name_list, parts)]
        seen: dict[tuple[str, str], int] = {}
        for kind, start, end in _merge_adjacent_names(text, _resolve(candidates)):
            matched = text[start:end]
            key = (kind, _normalise(kind, matched))
            seen[key] = seen.get(key, 0) + 1
            fid = _finding_id(field, kind, key[1], seen[key])
            findings.append(Finding(fid, field, kind, matched, start, end))
    return findings


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Replace each finding's span in `text` with a placeholder such as [CPR] ("redact all").

    Pass the findings of this one text; findings whose span no longer holds their text (stale
    after an edit) or that overlap an already redacted span are skipped.
    """
    result = text
    limit = len(text) + 1
    for f in sorted(findings, key=lambda f: (f.start, f.end), reverse=True):
        if f.end > limit or text[f.start : f.end] != f.text:
            continue
        result = result[: f.start] + PLACEHOLDERS[f.kind] + result[f.end :]
        limit = f.start
    return result


def is_value(finding: Finding, value: str | None) -> bool:
    """Tell whether a finding is this structured value, however it is written in the text.

    CPR and phone compare their digits (phone: the last eight), e-mail case-insensitively, and a
    name finding must be the whole name (any case or spacing, optionally genitive), not one part.
    """
    if not value or not value.strip():
        return False
    if finding.kind in ("cpr", "phone"):
        return _normalise(finding.kind, finding.text) == _normalise(finding.kind, value)
    if finding.kind == "email":
        return finding.text.casefold() == value.strip().casefold()
    found = [t.casefold() for t in _name_tokens(finding.text.replace("’", "'"))]
    wanted = [t.casefold() for t in _name_tokens(value)]
    if not wanted or len(found) != len(wanted) or found[:-1] != wanted[:-1]:
        return False
    return found[-1] in {wanted[-1] + genitive for genitive in ("", "s", "'s")}


def without_accepted(findings: Iterable[Finding], not_personal: Iterable[str]) -> list[Finding]:
    """Drop the findings a handler has marked as not personal data (by id)."""
    accepted = set(not_personal)
    return [f for f in findings if f.id not in accepted]

