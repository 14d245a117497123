"""Case references UTH-YYYY-NNNNNN and receipt codes, unique across workers and servers."""
from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

from uth.bulk import run_compiled
from uth.extensions import db
from uth.reports.models import ReferenceCounter

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def next_reference(year: int) -> tuple[str, int]:
    """Take the next number of the year; the counter row's lock serialises concurrent takers."""
    return next_references(year, 1)[0]


def next_references(year: int, count: int) -> list[tuple[str, int]]:
    """Take the year's next `count` numbers in one statement (an import numbers a batch at once)."""
    connection = db.session.connection()
    last = run_compiled(connection, _take(connection.dialect.name), {"year": year, "count": count})[0]
    return [(f"UTH-{year}-{seq:06d}", seq) for seq in range(last - count + 1, last + 1)]


@lru_cache(maxsize=None)
def _take(dialect: str):
    """The counter's upsert for the dialect, built once (its cache key then is too)."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReferenceCounter)
    count = bindparam("count")
    return (insert.values(year=bindparam("year"), last=count)
            .on_conflict_do_update(index_elements=["year"], set_={"last": ReferenceCounter.last + count})
            .returning(ReferenceCounter.last))


def new_receipt_code() -> str:
    """16 random characters (80 bits from one urandom read) in four groups, e.g. K7QM-X2PA-9RTD-HW4C."""
    number = int.from_bytes(secrets.token_bytes(10), "big")
    raw = "".join(RECEIPT_ALPHABET[(number >> (5 * i)) & 31] for i in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def receipt_hash(code: str) -> str:
    """Only the hash of a receipt code is stored; look-ups normalise case and dashes."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
