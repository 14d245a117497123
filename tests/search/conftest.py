"""A backend-neutral search environment: the backend, a scope table it is restricted by, a session.

Every contract test runs on whoosh (tmp dir, scope in SQLite) and, in the PostgreSQL pass, on
PostgreSQL (a schema of its own on the test server, so parallel workers don't meet). An unreachable
PostgreSQL fails the postgres runs: it does not skip them.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from uth.search.backend import SearchDoc, SearchPage
from uth.search.postgres_backend import PostgresSearchBackend
from uth.search.whoosh_backend import WhooshSearchBackend

PG_URL = os.environ.get("UTH_TEST_DATABASE_URL", "")  # tests that need it run only in the PostgreSQL pass

scope_metadata = MetaData()
scope = Table(
    "search_scope",
    scope_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("org", String(20), nullable=False),
    Column("received_at", DateTime),
)


@dataclass
class SearchEnv:
    """What a contract test needs: add documents with an organisation, search within one."""

    backend: object
    session: Session
    scoped: list[int] = field(default_factory=list)

    def add(self, doc_id: int, text: str, *, title: str = "Hændelse", org: str = "x",
            received_at: datetime | None = None, kind: str = "case") -> None:
        self.add_many([SearchDoc(kind, doc_id, title, {"description": text}, received_at)], org=org)

    def add_many(self, docs: list[SearchDoc], *, org: str = "x") -> None:
        self.backend.index(docs)
        rows = [{"id": d.id, "org": org, "received_at": d.received_at} for d in docs if d.id not in self.scoped]
        if rows:
            self.session.execute(scope.insert(), rows)
            self.session.commit()
            self.scoped.extend(row["id"] for row in rows)

    def allowed(self, org: str):
        return select(scope.c.id).where(scope.c.org == org)

    def search(self, query: str, *, allowed=None, kind: str = "case", **kwargs) -> SearchPage:
        return self.backend.search(query, kind=kind, session=self.session, allowed=allowed, **kwargs)

    def ids(self, query: str, **kwargs) -> set[int]:
        page = self.search(query, limit=200, **kwargs)
        assert page.total == len(page.hits), "ids() is for small result sets"
        return {hit.id for hit in page.hits}


@pytest.fixture(scope="session")
def pg_admin_engine():
    """The PostgreSQL test server; failing to connect fails the postgres tests."""
    engine = create_engine(PG_URL)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_admin_engine):
    """An engine whose search_path is a fresh schema, dropped afterwards."""
    schema = f"search_test_{uuid.uuid4().hex[:12]}"
    with pg_admin_engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    yield engine
    engine.dispose()
    with pg_admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _whoosh_env(tmp_path):
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    return WhooshSearchBackend(str(tmp_path / "index")), engine


@pytest.fixture(params=["whoosh", "postgres"])
def env(request, tmp_path):
    """The same SearchEnv over each backend."""
    if request.param == "whoosh":
        backend, engine = _whoosh_env(tmp_path)
    else:
        engine = request.getfixturevalue("pg_engine")
        backend = PostgresSearchBackend(engine)
        backend.ensure_schema()
    scope_metadata.create_all(engine)
    session = Session(engine)
    yield SearchEnv(backend, session)
    session.close()
    if request.param == "whoosh":
        backend.close()
        engine.dispose()
