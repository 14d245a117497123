"""CSV files the app writes are opened in spreadsheets: a cell starting with = + - @ (or a tab or
carriage return) would be read there as a formula, e.g. an audit `ip` of `=HYPERLINK(...)`. Such a
cell is written with a leading apostrophe, which spreadsheets show as text (OWASP "CSV injection")."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet reads it as text; numbers and other non-strings unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text, every string cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
