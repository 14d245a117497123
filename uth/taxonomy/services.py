"""Loads the taxonomy into the database and answers look-ups of codes and labels."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import ColumnElement, or_, select

from uth.extensions import db
from uth.i18n import current_language
from uth.taxonomy.loader import DEFAULT_DIR, read_taxonomy
from uth.taxonomy.models import TaxonomyTerm


def load_taxonomy(directory: Path = DEFAULT_DIR) -> dict[str, int]:
    """Upsert every term from the files; terms no longer in a file are deactivated, not deleted."""
    version, kinds = read_taxonomy(directory)
    existing = {(t.kind, t.code): t for t in db.session.scalars(select(TaxonomyTerm))}
    counts: dict[str, int] = {}
    seen = set()
    for kind, terms in kinds.items():
        for term in terms:
            row = existing.get((kind, term.code))
            if row is None:
                row = TaxonomyTerm(kind=kind, code=term.code)
                db.session.add(row)
            row.parent, row.label_da, row.label_en = term.parent, term.label_da, term.label_en
            row.position, row.version, row.active = term.position, version, True
            seen.add((kind, term.code))
        counts[kind] = len(terms)
    for key, row in existing.items():
        if key not in seen:
            row.active = False
    db.session.flush()
    _CODES_CACHE.clear()
    _LABELS_CACHE.clear()
    return counts


def terms(kind: str) -> list[TaxonomyTerm]:
    """Active terms of a kind in file order."""
    return list(
        db.session.scalars(
            select(TaxonomyTerm)
            .where(TaxonomyTerm.kind == kind, TaxonomyTerm.active.is_(True))
            .order_by(TaxonomyTerm.position)
        )
    )


_CODES_CACHE: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
CODES_TTL_SECONDS = 60.0


def codes(kind: str) -> frozenset[str]:
    """The active codes of a kind, for validation; cached a minute per process (the taxonomy
    changes only with `uth init`, and every request validating a report asks for it)."""
    key = (str(db.engine.url), kind)
    hit = _CODES_CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CODES_TTL_SECONDS:
        return hit[1]
    value = frozenset(db.session.scalars(
        select(TaxonomyTerm.code).where(TaxonomyTerm.kind == kind, TaxonomyTerm.active.is_(True))
    ))
    _CODES_CACHE[key] = (time.monotonic(), value)
    return value



def labels(kind: str, lang: str = "da") -> dict[str, str]:
    """code -> label in the given language (exports and documents that name their language)."""
    return {t.code: (t.label_en if lang == "en" else t.label_da) for t in terms(kind)}


def term_label(term: TaxonomyTerm) -> str:
    """A term's label in the language of the page (taxonomy labels are data, not catalog messages)."""
    return term.label_en if current_language() == "en" else term.label_da


_LABELS_CACHE: dict[tuple[str, str], tuple[float, dict[str, tuple[str, str]]]] = {}


def _labels_of(kind: str) -> dict[str, tuple[str, str]]:
    """code -> (Danish, English label) of a kind's active terms, kept per process as long as `codes`
    keeps the codes (CODES_TTL_SECONDS; `load_taxonomy` clears both): a page of the queue asked the
    database for the severities' labels on every request."""
    key = (str(db.engine.url), kind)
    hit = _LABELS_CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CODES_TTL_SECONDS:
        return hit[1]
    value = {code: (da, en) for code, da, en in db.session.execute(
        select(TaxonomyTerm.code, TaxonomyTerm.label_da, TaxonomyTerm.label_en)
        .where(TaxonomyTerm.kind == kind, TaxonomyTerm.active.is_(True)))}
    _LABELS_CACHE[key] = (time.monotonic(), value)
    return value


def label(kind: str, code: str | None) -> str:
    """A code's label in the language of the page; the code when unknown."""
    if not code:
        return ""
    found = _labels_of(kind).get(code)
    if found is None:
        return code
    return found[1] if current_language() == "en" else found[0]


def as_json(term: TaxonomyTerm) -> dict:
    """The API shape of a term (SPEC §14)."""
    return {"code": term.code, "label_da": term.label_da, "label_en": term.label_en, "parent": term.parent}


def under(column, code: str) -> ColumnElement[bool]:
    """SQL: the column holds `code` or a code below it in the dotted hierarchy (filters by group)."""
    return or_(column == code, column.like(code + ".%"))
