"""UTH: cross-sector adverse event reporting and learning for Danish healthcare."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, jsonify, redirect, render_template, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR
from uth import headers, i18n, ratelimit
from uth.errors import Blocked, DomainError, FindingsError, Invalid
from uth.extensions import CSRF_MESSAGE, csrf, db, limiter, login_manager
from uth.i18n import gettext


class App(Flask):
    """Flask, with what it works out again for every request worked out once: whether a view or
    hook is a coroutine (`ensure_sync`, a dozen times a request) and the session cookie's signer."""

    SYNC_KEPT = 1_000  # the app's views and hooks are a few hundred; a function made for one request
    # (`after_this_request`) must not pile up, nor keep what it holds alive

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}
        self.session_interface = CookieSessions()

    def ensure_sync(self, func):
        try:
            made = self._sync.get(func)
        except TypeError:  # not hashable
            return super().ensure_sync(func)
        if made is None:
            if len(self._sync) >= self.SYNC_KEPT:
                self._sync.clear()
            made = self._sync[func] = super().ensure_sync(func)
        return made


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its signer made once for the app's keys, not per request."""

    _signer: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._signer[0] != keys:
            self._signer = (keys, super().get_signing_serializer(app))
        return self._signer[1]


def create_app(config_name: str | None = None, test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI."""
    app = App(__name__, template_folder="../templates", static_folder="../static", instance_path=str(INSTANCE_DIR))
    name = config_name or os.environ.get("UTH_ENV") or "production"
    if name not in CONFIGS:
        raise SettingsError(f"UTH_ENV: unknown environment {name!r} (use one of: {', '.join(CONFIGS)})")
    app.config.from_object(CONFIGS[name])
    if test_config:
        app.config.update(test_config)
    configure_rate_limits(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_settings(app)
    configure_proxy(app)
    register_extensions(app)
    register_features(app)
    register_blueprints(app)
    register_errors(app)
    headers.init_app(app)       # security headers on every response
    register_cli(app)
    return app


class SettingsError(RuntimeError):
    """A setting the app cannot run with: it refuses to start rather than fail on every request."""


def configure_rate_limits(app: Flask) -> None:
    """UTH_RATELIMIT_STORAGE: "database" (the default: a table in the app's database, one count for
    every worker and server on it, a `limits` storage scheme that importing uth.ratelimit registers),
    "redis://…", or "memory://" (per process: tests only)."""
    storage = app.config["UTH_RATELIMIT_STORAGE"]
    if storage in ("database", "database://"):
        app.config.setdefault("RATELIMIT_STORAGE_URI", "database://")
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"url": app.config["SQLALCHEMY_DATABASE_URI"]})
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)


def configure_proxy(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto only from the UTH_PROXY_HOPS reverse proxies in front (default
    none): the client address in the audit trail and the rate limits is then the proxy's view of it,
    never a header the client wrote itself."""
    hops = int(app.config["UTH_PROXY_HOPS"])
    if hops < 0:
        raise SettingsError("UTH_PROXY_HOPS must be 0 or more (the number of reverse proxies in front)")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def check_settings(app: Flask) -> None:
    """Deadline settings are read on every submission: a bad one must stop the start, naming it."""
    from uth.deadlines.rules import DeadlineSettings

    try:
        DeadlineSettings.from_mapping(app.config)
    except ValueError as exc:
        hint = " (month-day, MM-DD: 06-05 is Grundlovsdag, 5 June)" if "EXTRA_CLOSED" in str(exc) else ""
        raise SettingsError(f"{exc}{hint}") from None


def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, durable commits, foreign keys, overwrite deleted data."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _sqlite_savepoint_inside_a_transaction(conn, name):
    """SQLite: a SAVEPOINT opened outside a transaction starts one of its own, and releasing it
    commits (Python's sqlite3 sends BEGIN only before the first INSERT, UPDATE or DELETE). A batch
    of an import written in a SAVEPOINT first was committed at its release, so a failed or killed
    import left that batch written. BEGIN IMMEDIATE first: the savepoint is inside the request's or
    command's one transaction (and holds the write lock it is about to need)."""
    if conn.dialect.name == "sqlite":
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    if not event.contains(Engine, "savepoint", _sqlite_savepoint_inside_a_transaction):
        event.listen(Engine, "savepoint", _sqlite_savepoint_inside_a_transaction)
    db.init_app(app)
    i18n.init_app(app)          # Flask-Babel: Danish message ids, the English catalog, `_` in templates
    csrf.init_app(app)
    limiter.init_app(app)
    ratelimit.check_app_wide_limits_only_when_set(app, limiter)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from uth.auth.services import session_user
    from uth.auth.views import SESSION_TOKEN
    from uth.clock import utcnow

    @login_manager.unauthorized_handler
    def signed_out():
        """Not signed in: a page sends to the sign-in page and back; a form posted after the session
        ended is kept on a sign-in page that sends it on (a `next` to a POST-only address would end
        in 405 with the text gone); the API answers 401."""
        from flask_login.utils import login_url

        from uth.web import sign_in_again

        if wants_json():
            abort(401)
        if request.method == "POST":
            return sign_in_again()
        return redirect(login_url(login_manager.login_view, request.url))

    @login_manager.user_loader
    def load_user(user_id: str):
        """The signed-in user only while the server-side session lives (sign-out, deactivation and
        expiry end it), whatever the cookie says."""
        from flask import session

        return session_user(int(user_id), session.get(SESSION_TOKEN), now=utcnow())


def register_features(app: Flask) -> None:
    """Features that hook into the layers below them (uth.hooks) or into every commit or page."""
    from uth import anonymisation, audit, auth, handling, integrity, learning, rca, routing, search, web

    web.init_app(app)           # template globals and filters
    audit.init_app(app)         # chain the audit entries as each transaction commits
    routing.init_app(app)       # cached routing values checked against the database's routing generation
    search.init_app(app)        # index after commit; re-index after text was removed
    anonymisation.init_app(app) # purge the storage files after a commit that removed text
    handling.init_app(app)      # sweeper: case and statement deadlines
    rca.init_app(app)           # sweeper: overdue action items
    integrity.init_app(app)     # sweeper: the audit chain head mailed daily (UTH_AUDIT_HEAD_TO)
    auth.init_app(app)          # sweeper: rows of sign-in sessions long over
    learning.init_app(app)      # search source: published learning


def register_blueprints(app: Flask) -> None:
    """Each feature's pages, and the JSON API (which has no CSRF: it takes bearer tokens)."""
    from uth.anonymisation.views import bp as anonymisation_bp
    from uth.api import bp as api_bp
    from uth.auth.admin_views import bp as users_bp
    from uth.audit.views import bp as audit_bp
    from uth.auth.views import bp as auth_bp
    from uth.handling.views import bp as handling_bp
    from uth.learning.batch_views import bp as batch_bp
    from uth.learning.views import bp as learning_bp
    from uth.rca.views import bp as rca_bp
    from uth.reports.views import bp as reports_bp
    from uth.routing.views import bp as routing_bp
    from uth.search.views import bp as search_bp

    for blueprint in (auth_bp, users_bp, reports_bp, handling_bp, anonymisation_bp, routing_bp, audit_bp, search_bp,
                      rca_bp, learning_bp, batch_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or request.path == "/healthz" or request.accept_mimetypes.best == "application/json"


def register_errors(app: Flask) -> None:
    """Domain errors and HTTP errors as JSON for the API, pages for people."""

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        if isinstance(err, Blocked):
            body = {"error": err.message, "blockers": err.blockers,
                    **({"errors": {field: [str(m) for m in messages] for field, messages in err.errors.items()}} if err.errors else {}),
                    **({"findings": err.findings} if err.findings else {})}
        elif isinstance(err, Invalid):
            body = {"errors": {field: [str(m) for m in messages] for field, messages in err.errors.items()}}
        elif isinstance(err, FindingsError):
            body = {"error": err.message, "findings": err.findings}
        else:
            body = {"error": err.message or type(err).__name__}
        if wants_json():
            return jsonify(body), err.status
        return render_template("error.html", status=err.status, message=err.message), err.status

    def http_error(err):
        if wants_json():
            return jsonify({"error": err.description if err.code != 404 else "Not found"}), err.code
        return render_template("error.html", status=err.code, message=err.description), err.code

    for code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429):
        app.register_error_handler(code, http_error)

    @app.errorhandler(500)
    def server_error(err):
        """An unexpected error: JSON under the API (no detail of the cause), Flask's page elsewhere."""
        if wants_json():
            return jsonify({"error": "Internal server error"}), 500
        return err

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        """A form whose token is gone with the session is kept on a sign-in page, like one posted after
        the session ended; otherwise a page that says what happened."""
        from flask_login import current_user

        from uth.web import sign_in_again

        if not current_user.is_authenticated and request.blueprint != "auth" and not wants_json():
            return sign_in_again()
        return render_template("error.html", status=400, message=gettext(CSRF_MESSAGE)), 400


def register_cli(app: Flask) -> None:
    """`flask --app wsgi uth COMMAND` (SPEC §15); the commands are listed in `uth.cli`."""
    from uth.cli import register_cli as add_uth_commands

    add_uth_commands(app)
