"""Named extension points: a lower layer asks, the features above answer (ARCHITECTURE: layers).

A feature registers its functions from its `init_app(app)`, which `create_app` calls in plain
sight; nothing registers itself on import. Registrations are per app (tests build many apps).

- SWEEPERS: `func(now) -> int`, run in order by `uth sweep-deadlines` (things recorded)
- PURGERS: `func(case_ids)`, run after a commit that removed text from cases, so no storage file
  (an index segment, the WAL) keeps the old text
- SEARCH_SOURCES: search document kinds beyond cases (`uth.search.documents.Source`)
- BULK_INSERTED: `func(session, model, ids)`, told of rows a service inserted in bulk past the
  ORM (the history import), in the session's transaction: what a flush listener would have seen new
- ORGS_MOVED: `func(session, org_ids)`, told of organisations whose place in the tree changed (a new
  parent, theirs or an ancestor's), in the session's transaction
- IMPORT_STARTED: `func(session) -> told | None`, asked as a transaction that inserts many new cases
  (the history import) starts; `told(cases)` is then given each batch of them once written
- ACTOR_READ: `func(value)` with a `column` attribute (a scalar subquery): the column is read with
  the rows the request's actor is made of (a bearer token's, a signed-in session's: the request's
  first query), and `func` is given its value, so a feature needs no query of its own for it
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

SWEEPERS = "sweepers"
PURGERS = "purgers"
SEARCH_SOURCES = "search_sources"
BULK_INSERTED = "bulk_inserted"
ORGS_MOVED = "orgs_moved"
IMPORT_STARTED = "import_started"
ACTOR_READ = "actor_read"
_KEY = "uth_hooks"


def add(app: Flask, name: str, func: Callable) -> None:
    """Register `func` under `name` for this app (once)."""
    registered = app.extensions.setdefault(_KEY, {}).setdefault(name, [])
    if func not in registered:
        registered.append(func)


def get(name: str, app: Flask | None = None) -> list[Callable]:
    """What is registered under `name` for the app (the current one by default), in order."""
    app = app or current_app._get_current_object()
    return list(app.extensions.get(_KEY, {}).get(name, ()))
