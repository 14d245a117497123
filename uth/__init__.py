"""UTH: cross-sector adverse event reporting and learning for Danish healthcare."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR
from uth.errors import DomainError, FindingsError, Invalid
from uth.extensions import csrf, db, limiter, login_manager


def create_app(config_name: str | None = None, test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_path=str(INSTANCE_DIR))
    name = config_name or os.environ.get("UTH_ENV", "development")
    app.config.from_object(CONFIGS[name])
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["UTH_RATELIMIT_STORAGE"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_settings(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    return app


class SettingsError(RuntimeError):
    """A setting the app cannot run with: it refuses to start rather than fail on every request."""


def check_settings(app: Flask) -> None:
    """Deadline settings are read on every submission: a bad one must stop the start, naming it."""
    from uth.deadlines.rules import DeadlineSettings

    try:
        DeadlineSettings.from_mapping(app.config)
    except ValueError as exc:
        hint = " (month-day, MM-DD: 06-05 is Grundlovsdag, 5 June)" if "EXTRA_CLOSED" in str(exc) else ""
        raise SettingsError(f"{exc}{hint}") from None


@event.listens_for(Engine, "connect")
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


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons."""
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from uth.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None


def register_blueprints(app: Flask) -> None:
    """HTML features and the JSON API."""
    from uth.api import bp as api_bp
    from uth.auth.views import bp as auth_bp
    from uth.reports.views import bp as reports_bp
    from uth.audit.views import bp as audit_bp
    from uth.learning.views import bp as learning_bp
    from uth.rca.views import bp as rca_bp
    from uth.routing.views import bp as routing_bp
    from uth.search.views import bp as search_bp

    for blueprint in (auth_bp, reports_bp, routing_bp, audit_bp, search_bp, rca_bp, learning_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or request.path == "/healthz" or request.accept_mimetypes.best == "application/json"


def register_errors(app: Flask) -> None:
    """Domain errors and HTTP errors as JSON for the API, pages for people."""

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        if isinstance(err, Invalid):
            body = {"errors": err.errors}
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

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render_template("error.html", status=400, message="Formularen er udløbet eller mangler sikkerhedsfelt (CSRF). Prøv igen."), 400


def register_templates(app: Flask) -> None:
    """Template globals: translation, taxonomy labels, current language."""
    from uth.i18n import current_language, gettext, status_label
    from uth.taxonomy.services import terms

    def tx(kind: str, code: str | None) -> str:
        if not code:
            return ""
        cache = g.setdefault("_labels", {})
        if kind not in cache:
            cache[kind] = {t.code: (t.label_da, t.label_en) for t in terms(kind)}
        entry = cache[kind].get(code)
        if entry is None:
            return code
        return entry[1] if current_language() == "en" else entry[0]

    app.jinja_env.globals.update(_=gettext, tx=tx, current_language=current_language, status_label=status_label)

    @app.template_filter("dkdate")
    def dkdate(value):
        from uth.deadlines.rules import local_date
        if value is None:
            return ""
        if hasattr(value, "hour"):
            value = local_date(value)
        return value.strftime("%d-%m-%Y")

    @app.template_filter("dktime")
    def dktime(value):
        from uth.deadlines.rules import LOCAL_TZ
        return value.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M") if value else ""


def register_cli(app: Flask) -> None:
    """`flask --app wsgi uth COMMAND` (SPEC §15)."""
    from uth.cli import uth_cli

    app.cli.add_command(uth_cli)
