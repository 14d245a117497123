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
    _ACTIVE_CACHE.clear()
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


_ACTIVE_CACHE: dict[tuple[str, str], tuple[float, tuple[frozenset[str], dict[str, tuple[str, str]]]]] = {}
CODES_TTL_SECONDS = 60.0


def _active(kind: str) -> tuple[frozenset[str], dict[str, tuple[str, str]]]:
    """The active codes of a kind and code -> (Danish, English label), kept a minute per process
    (the taxonomy changes only with `uth init`, which clears them): every request validating a
    report asks for the codes, every page of the queue for the severities' labels."""
    key = (str(db.engine.url), kind)
    hit = _ACTIVE_CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CODES_TTL_SECONDS:
        return hit[1]
    labels = {code: (da, en) for code, da, en in db.session.execute(
        select(TaxonomyTerm.code, TaxonomyTerm.label_da, TaxonomyTerm.label_en)
        .where(TaxonomyTerm.kind == kind, TaxonomyTerm.active.is_(True)))}
    value = (frozenset(labels), labels)
    _ACTIVE_CACHE[key] = (time.monotonic(), value)
    return value


def codes(kind: str) -> frozenset[str]:
    """The active codes of a kind, for validation (kept a minute per process)."""
    return _active(kind)[0]


def labels(kind: str, lang: str = "da") -> dict[str, str]:
    """code -> label in the given language (exports and documents that name their language)."""
    return {t.code: (t.label_en if lang == "en" else t.label_da) for t in terms(kind)}


def term_label(term: TaxonomyTerm) -> str:
    """A term's label in the language of the page (taxonomy labels are data, not catalog messages)."""
    return term.label_en if current_language() == "en" else term.label_da


def label(kind: str, code: str | None) -> str:
    """A code's label in the language of the page; the code when unknown."""
    if not code:
        return ""
    found = _active(kind)[1].get(code)
    if found is None:
        return code
    return found[1] if current_language() == "en" else found[0]


def as_json(term: TaxonomyTerm) -> dict:
    """The API shape of a term (SPEC §14)."""
    return {"code": term.code, "label_da": term.label_da, "label_en": term.label_en, "parent": term.parent}


def under(column, code: str) -> ColumnElement[bool]:
    """SQL: the column holds `code` or a code below it in the dotted hierarchy (filters by group)."""
    return or_(column == code, column.like(code + ".%"))
