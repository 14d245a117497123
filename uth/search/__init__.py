"""Full-text search behind one interface; visibility is always decided in SQL by the caller."""
from __future__ import annotations

from sqlalchemy import Engine

from .backend import Hit, QuerySyntaxError, SearchBackend, SearchDoc, SearchPage

__all__ = ["Hit", "QuerySyntaxError", "SearchBackend", "SearchDoc", "SearchPage", "init_app", "make_backend"]


def make_backend(name: str, *, index_dir: str | None = None, engine: Engine | None = None) -> SearchBackend:
    """The backend UTH_SEARCH_BACKEND names: "whoosh" (one machine) or "postgres" (several)."""
    if name == "whoosh":
        if not index_dir:
            raise ValueError("the whoosh search backend needs an index directory")
        from .whoosh_backend import WhooshSearchBackend

        return WhooshSearchBackend(index_dir)
    if name == "postgres":
        if engine is None or engine.dialect.name != "postgresql":
            raise ValueError("the postgres search backend needs a PostgreSQL engine")
        from .postgres_backend import PostgresSearchBackend

        return PostgresSearchBackend(engine)
    raise ValueError(f"unknown search backend {name!r} (choose whoosh or postgres)")


def init_app(app) -> None:
    """Keep the index in step with the database after every commit (see `indexing`)."""
    from .indexing import init_app as init_indexing

    init_indexing(app)
