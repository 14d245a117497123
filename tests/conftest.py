"""Fixtures: an app with a fresh database per test (SQLite file, or PostgreSQL via UTH_TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from uth import create_app
from uth.extensions import db, limiter
from uth.search.indexing import stop_background_applier

FIXED_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday
KEEP_TABLES = {"taxonomy_terms", "alembic_version"}
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """The test database: PostgreSQL when UTH_TEST_DATABASE_URL is set (one database per xdist
    worker), else a SQLite file."""
    url = os.environ.get("UTH_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'uth-test.sqlite3'}"
    if worker_id == "master":
        return url
    base, _, name = url.rpartition("/")
    worker_db = f"{name}_{worker_id}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": worker_db}).first():
            conn.execute(text(f'CREATE DATABASE "{worker_db}"'))
    engine.dispose()
    return f"{base}/{worker_db}"


def _needs_postgres(item) -> bool:
    params = getattr(item, "callspec", None)
    return "pg_engine" in item.fixturenames or (params is not None and "postgres" in params.params.values())


def _deselect(config, items, unwanted) -> None:
    dropped = [i for i in items if unwanted(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not unwanted(i)]


def pytest_collection_modifyitems(config, items):
    """Browser journeys need Debian's Chromium; CI (UTH_REQUIRE_BROWSER=1) insists on it.
    Tests of PostgreSQL itself run in the PostgreSQL pass (UTH_TEST_DATABASE_URL), not the SQLite one."""
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
        if _needs_postgres(item):
            item.add_marker(pytest.mark.postgres_only)
    if not os.environ.get("UTH_TEST_DATABASE_URL", "").startswith("postgresql"):
        _deselect(config, items, lambda i: "postgres_only" in i.keywords)
    _redis_tests(config, items)
    if os.geteuid() != 0:  # tests/faults.py mounts filesystems; CI runs as root
        _deselect(config, items, lambda i: "mounts" in i.keywords)
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("UTH_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    _deselect(config, items, lambda i: "browser" in i.keywords)


def _redis_tests(config, items) -> None:
    """Tests of the redis rate-limit store need redis-server (Debian package) or UTH_TEST_REDIS_URL;
    CI (UTH_REQUIRE_REDIS=1) insists on it."""
    from tests.servers import REDIS_SERVER

    if os.environ.get("UTH_TEST_REDIS_URL") or os.path.exists(REDIS_SERVER):
        return
    if os.environ.get("UTH_REQUIRE_REDIS"):
        raise pytest.UsageError("redis-server is missing (apt-get install redis-server)")
    uses_redis = lambda i: "redis_url" in i.fixturenames or "redis" in getattr(getattr(i, "callspec", None), "params", {}).values()  # noqa: E731
    _deselect(config, items, uses_redis)


@pytest.fixture
def redis_url(tmp_path, worker_id):
    """A redis database of this test: UTH_TEST_REDIS_URL's server (as `.ci/run` starts it; a database
    number per xdist worker, emptied first), or a throw-away redis-server of this test."""
    import redis

    from tests.servers import redis_server

    base = os.environ.get("UTH_TEST_REDIS_URL")
    if base:
        number = int(worker_id[2:]) + 1 if worker_id.startswith("gw") else 0
        url = urlsplit(base)._replace(path=f"/{number}").geturl()
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema and load the taxonomy once per test session."""
    import uth.models  # noqa: F401
    from uth.taxonomy.services import load_taxonomy

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "UTH_INDEX_DIR": str(tmp_path_factory.mktemp("index"))})
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.drop_all()
        db.create_all()
        load_taxonomy()
        db.session.commit()
        db.engine.dispose()
    return database_url


def _clean(engine) -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            from uth.audit.models import append_only_ddl, drop_append_only_ddl

            for statement in drop_append_only_ddl("sqlite", ("delete",)):
                conn.execute(text(statement))
            for table in tables:
                conn.execute(table.delete())
            for statement in append_only_ddl("sqlite", ("delete",)):
                conn.execute(text(statement))
            if conn.execute(text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def app(_schema, tmp_path):
    """A fresh app over an emptied database, the clock pinned to FIXED_NOW."""
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": _schema,
        "UTH_INDEX_DIR": str(tmp_path / "index"),
        "UTH_FIXED_NOW": FIXED_NOW,
        "UTH_SMTP_HOST": "127.0.0.1",
        "UTH_SMTP_PORT": 1,
    })
    with app.app_context():
        _clean(db.engine)
        limiter.reset()
    yield app
    # A test may have started the background search applier: it must not outlive its app and
    # apply the next test's outbox to this test's index.
    stop_background_applier(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sibling_app(app):
    """Make another app over the same database and index with other settings (a server configured
    differently); its engine is closed with the test."""
    made = []

    def make(config_name: str | None = "testing", **settings):
        keys = ("SQLALCHEMY_DATABASE_URI", "UTH_INDEX_DIR", "UTH_FIXED_NOW", "UTH_SMTP_HOST", "UTH_SMTP_PORT",
                "UTH_ARGON2_PARAMS")
        other = create_app(config_name, {**{k: app.config[k] for k in keys}, **settings})
        made.append(other)
        return other

    yield make
    for other in made:
        stop_background_applier(other)
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests. HTTP tests must not hold one open while they
    send requests (the request would share its `g` and session): they set up in `with app.app_context()`."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    return FIXED_NOW


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, path: str) -> str:
    """Read the CSRF token from a form page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf token on {path}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = "correct-horse-battery"):
    """Sign in through the real form, CSRF included."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def end_session(client, *, cookie_gone: bool) -> None:
    """The session ends while a form is open: signed out on the server (the cookie keeps its CSRF
    token), or the cookie itself gone (the token with it)."""
    with client.session_transaction() as s:
        if cookie_gone:
            s.clear()
        else:
            s.pop("_user_id", None)
            s.pop("uth_session", None)


def logout(client):
    """Sign out through the real form (a POST with its CSRF token)."""
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
