"""A rate-limit store in the application's own database, shared by every worker and server using it.

Flask-Limiter counts in a `limits` storage. Its in-memory store counts per process, so with
gunicorn's workers each one let the public form's "10 per hour" through again; Redis shares the
count but is one more service to run. The default deployment (one machine, SQLite) therefore counts
in a table of its own database (`UTH_RATELIMIT_STORAGE=database`): one small upsert per rate-limited
request (only the public form, receipt look-ups and failed sign-ins are), through its own engine
and transaction, so a request that rolls back keeps its count. Keys are stored as SHA-256 digests:
the limiter's keys hold the client address and the e-mail tried, which are personal data.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time

from limits.storage import Storage
from sqlalchemy import Column, Float, Integer, String, Table, case, create_engine, delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from uth.extensions import db

rate_limits = Table(
    "rate_limits", db.metadata,
    Column("key", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

CLEANUP_EVERY = 500  # increments between deletions of expired rows in a process


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limits` table (SQLite or PostgreSQL)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, url: str = "", **options):
        if not url:
            raise ValueError("the database rate-limit store needs the database URL (option url)")
        self.url = url
        self._engine = None
        self._pid = None
        self._guard = threading.Lock()
        self._increments = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @property
    def engine(self):
        """An engine of this process (re-created after a fork: a pool must not cross one)."""
        with self._guard:
            if self._engine is None or self._pid != os.getpid():
                self._engine = create_engine(self.url, pool_pre_ping=True)
                self._pid = os.getpid()
            return self._engine

    def _upsert(self, conn, key: str, expiry: int, amount: int, now: float) -> int:
        """One statement: a new window, or the count of the running one raised (the row is locked
        meanwhile, so concurrent workers never lose an increment)."""
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        row = rate_limits.c
        stmt = insert(rate_limits).values(key=key, count=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(index_elements=[row.key], set_={
            "count": case((row.expires_at <= now, amount), else_=row.count + amount),
            "expires_at": case((row.expires_at <= now, now + expiry), else_=row.expires_at),
        }).returning(row.count)
        return conn.execute(stmt).scalar_one()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            count = self._upsert(conn, _digest(key), expiry, amount, now)
        self._increments += 1
        if self._increments % CLEANUP_EVERY == 0:
            self.delete_expired(now)
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(select(rate_limits.c.count).where(
                rate_limits.c.key == _digest(key), rate_limits.c.expires_at > time.time())).scalar()
        return count or 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(select(rate_limits.c.expires_at).where(rate_limits.c.key == _digest(key))).scalar()
        return expires if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.key == _digest(key)))

    def delete_expired(self, now: float | None = None) -> int:
        """Drop windows that have ended (every CLEANUP_EVERY increments of a process)."""
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limits).where(rate_limits.c.expires_at <= (now or time.time()))).rowcount


def check_app_wide_limits_only_when_set(app, limiter) -> None:
    """Flask-Limiter checks every request before its view for the limits that are not a route's own
    (default, application, blueprint and meta limits, the in-memory fallback, limits hinted to an
    endpoint); UTH sets none of them (each limit sits on its route's decorator, which checks it
    there), so that check would find nothing on every request (~0.06 ms of CPU). It is left out
    while there is nothing for it to find, and runs as before as soon as a setting
    (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION, RATELIMIT_META, a fallback) or a limit on a blueprint
    gives it some. The route limits, their headers and deductions are Flask-Limiter's own, unchanged."""
    check = limiter._check_request_limit
    hooks = app.before_request_funcs[None]

    def app_wide_limits() -> bool:
        manager = limiter.limit_manager
        return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                    or manager._endpoint_hints or limiter._meta_limits or limiter._in_memory_fallback)

    def check_app_wide_limits() -> None:
        if app_wide_limits():
            check()

    app_wide_limits()  # at the start: fails there if this Flask-Limiter keeps them elsewhere
    hooks[hooks.index(check)] = check_app_wide_limits
