"""`upgrade head` on an empty database gives exactly the schema of the models."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, text

import uth.models  # noqa: F401
from uth.extensions import db
from uth.migrate import alembic_config


def _empty_database_url(tmp_path, worker_id) -> str:
    url = os.environ.get("UTH_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    base, _, name = url.rpartition("/")
    target = f"{name}_migrations_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    admin.dispose()
    return f"{base}/{target}"


@contextmanager
def _migrating(tmp_path, worker_id) -> Iterator[tuple[Connection, Callable[[str], None], Callable[[str], None]]]:
    """An empty database's connection in one transaction, with alembic's upgrade and downgrade on it."""
    url = _empty_database_url(tmp_path, worker_id)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            yield conn, lambda rev: command.upgrade(cfg, rev), lambda rev: command.downgrade(cfg, rev)
    finally:
        engine.dispose()


def test_upgrade_head_matches_models(tmp_path, worker_id):
    with _migrating(tmp_path, worker_id) as (conn, upgrade, _):
        upgrade("head")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"migrations and models differ: {diff}"


def test_downgrade_to_base_and_up_again(tmp_path, worker_id):
    with _migrating(tmp_path, worker_id) as (conn, upgrade, downgrade):
        upgrade("head")
        downgrade("base")
        upgrade("head")
        tables = set(conn.dialect.get_table_names(conn))
    assert {"cases", "organisations", "users", "audit_entries"} <= tables


def test_a_database_with_0016s_first_index_loses_it(tmp_path, worker_id):
    """0016 first made a plain index on cases.next_due_on; a database upgraded then still has it."""
    with _migrating(tmp_path, worker_id) as (conn, upgrade, _):
        upgrade("0017b")
        conn.execute(text("CREATE INDEX ix_cases_next_due_on ON cases (next_due_on)"))
        upgrade("head")
        indexes = {ix["name"] for ix in conn.dialect.get_indexes(conn, "cases")}
    assert "ix_cases_next_due_on" not in indexes
    assert "ix_cases_open_due" in indexes
