"""Reads and validates the taxonomy CSV files (pure: files in, terms out, no database)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

KINDS = (
    "event_types", "transition_types", "involved_roles", "reject_reasons", "sectors",
    "actual_consequences", "possible_consequences", "severities", "time_precisions",
    "ncc_merp", "contributing_factors", "action_strengths", "batch_types",
)
HEADER = ["code", "parent", "label_da", "label_en"]
CODE_RE = re.compile(r"^[A-Za-z0-9_.]{1,80}$")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "taxonomy"


class TaxonomyError(ValueError):
    """A broken taxonomy file, named with its file and line."""


@dataclass(frozen=True)
class Term:
    """One classification term as read from a file."""

    kind: str
    code: str
    parent: str | None
    label_da: str
    label_en: str
    position: int


def read_taxonomy(directory: Path = DEFAULT_DIR) -> tuple[str, dict[str, list[Term]]]:
    """Version and terms of every kind; raises TaxonomyError naming file and line."""
    directory = Path(directory)
    version_file = directory / "VERSION"
    if not version_file.exists():
        raise TaxonomyError(f"{version_file}: missing")
    version = version_file.read_text(encoding="utf-8").strip()
    return version, {kind: read_kind(directory / f"{kind}.csv", kind) for kind in KINDS}


def read_kind(path: Path, kind: str) -> list[Term]:
    """Terms of one file, checked: header, codes, labels, unique codes, known parents."""
    if not path.exists():
        raise TaxonomyError(f"{path}: missing")
    terms: list[Term] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != HEADER:
            raise TaxonomyError(f"{path}:1: header must be {','.join(HEADER)}")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 4:
                raise TaxonomyError(f"{path}:{line}: expected 4 columns, found {len(row)}")
            code, parent, label_da, label_en = (cell.strip() for cell in row)
            if not CODE_RE.match(code):
                raise TaxonomyError(f"{path}:{line}: invalid code {code!r}")
            if code in seen:
                raise TaxonomyError(f"{path}:{line}: duplicate code {code!r}")
            if parent and parent not in seen:
                raise TaxonomyError(f"{path}:{line}: unknown parent {parent!r} (parents must come first)")
            if not label_da or not label_en:
                raise TaxonomyError(f"{path}:{line}: both label_da and label_en are required")
            seen.add(code)
            terms.append(Term(kind, code, parent or None, label_da, label_en, len(terms)))
    return terms
