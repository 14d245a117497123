"""Settings, read from UTH_* environment variables (SPEC §15)."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("UTH_INSTANCE_DIR", BASE_DIR / "instance"))


def _number(name: str, default: int | float) -> int | float:
    """A number from the environment, of the default's type."""
    value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


def _instance_secret() -> str:
    """A secret kept in instance/secret_key, so every worker and restart signs sessions alike."""
    path = INSTANCE_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        return value


class Config:
    """Defaults for every environment; each can be overridden by its UTH_* variable."""

    SECRET_KEY = os.environ.get("UTH_SECRET_KEY") or _instance_secret()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "UTH_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'uth.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UTH_INDEX_DIR = os.environ.get("UTH_INDEX_DIR", str(INSTANCE_DIR / "index"))
    UTH_SEARCH_BACKEND = os.environ.get("UTH_SEARCH_BACKEND", "whoosh")
    # "background": index writes after commit run in a per-process applier thread, off the request
    # path; "inline": in the committing request (the test suite, for determinism).
    UTH_SEARCH_APPLY = os.environ.get("UTH_SEARCH_APPLY", "background")
    # The background applier gathers commits this long before it writes them in one batch.
    UTH_SEARCH_BATCH_SECONDS = _number("UTH_SEARCH_BATCH_SECONDS", 0.5)
    # 3 working days to acknowledge: a local service target, no statutory deadline (DOMAIN §1.5).
    UTH_ACK_WORKING_DAYS = _number("UTH_ACK_WORKING_DAYS", 3)
    # 90 days: bekendtgørelse om rapportering af utilsigtede hændelser (as summarised by STPS).
    UTH_CLOSE_DAYS = _number("UTH_CLOSE_DAYS", 90)
    UTH_RESPONSE_WORKING_DAYS = _number("UTH_RESPONSE_WORKING_DAYS", 10)
    UTH_EXTRA_CLOSED_DAYS = os.environ.get("UTH_EXTRA_CLOSED_DAYS", "06-05,12-24,12-31")
    UTH_SMTP_HOST = os.environ.get("UTH_SMTP_HOST", "localhost")
    UTH_SMTP_PORT = _number("UTH_SMTP_PORT", 25)
    UTH_MAIL_FROM = os.environ.get("UTH_MAIL_FROM", "uth-noreply@localhost")
    UTH_BASE_URL = os.environ.get("UTH_BASE_URL", "http://127.0.0.1:5000")
    UTH_STATS_MIN_CELL = _number("UTH_STATS_MIN_CELL", 5)
    # Where `uth sweep-deadlines` mails the audit chain's head hash once a day, to be kept outside
    # the system (SPEC §21); empty: not mailed (`uth audit-verify` prints it).
    UTH_AUDIT_HEAD_TO = os.environ.get("UTH_AUDIT_HEAD_TO", "")
    # An analysis is approved by another risk manager than its author where there is one (issue 12); "0" turns it off.
    UTH_RCA_SEPARATE_APPROVER = os.environ.get("UTH_RCA_SEPARATE_APPROVER", "1").strip().lower() not in ("0", "false", "no", "off")
    # Where rate limits count: "database" (a table in UTH_DATABASE_URL, shared by every worker and
    # server on it), "redis://host:port/0" (several servers at scale), "memory://" (one process only).
    UTH_RATELIMIT_STORAGE = os.environ.get("UTH_RATELIMIT_STORAGE", "database")
    UTH_PUBLIC_REPORT_LIMIT = os.environ.get("UTH_PUBLIC_REPORT_LIMIT", "10 per hour")
    UTH_LOGIN_FAILURE_LIMIT = os.environ.get("UTH_LOGIN_FAILURE_LIMIT", "5 per 15 minutes")
    # Failed sign-ins from one address over all e-mails (one password tried against many accounts).
    UTH_LOGIN_ADDRESS_LIMIT = os.environ.get("UTH_LOGIN_ADDRESS_LIMIT", "20 per 15 minutes")
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted; 0: none (direct).
    UTH_PROXY_HOPS = _number("UTH_PROXY_HOPS", 0)
    # Strict-Transport-Security max-age sent on HTTPS responses; 0 sends none.
    UTH_HSTS_SECONDS = _number("UTH_HSTS_SECONDS", 31536000)
    # /healthz answers 503 when the disk of the search index or the SQLite database has less free.
    UTH_MIN_FREE_MB = _number("UTH_MIN_FREE_MB", 100)
    # Largest request body accepted (413 beyond): a report with every text field full is ~100 kB.
    MAX_CONTENT_LENGTH = _number("UTH_MAX_REQUEST_BYTES", 1024 * 1024)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("UTH_SECURE_COOKIES", "1") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    # The signed-in session ends on the server 8 hours after the sign-in, whatever the browser does;
    # the cookie, set at the sign-in with that expiry, is not signed and sent again with every page.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8


class DevelopmentConfig(Config):
    """UTH_ENV=development: a server reached over plain HTTP on another host than localhost (cookies
    without Secure unless UTH_SECURE_COOKIES=1)."""

    SESSION_COOKIE_SECURE = os.environ.get("UTH_SECURE_COOKIES", "0") == "1"


class TestingConfig(Config):
    """The test suite: a fresh database per test, fixed secret."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("UTH_TEST_DATABASE_URL", "sqlite://")
    UTH_RATELIMIT_STORAGE = "memory://"
    SESSION_COOKIE_SECURE = False
    UTH_ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    UTH_SEARCH_APPLY = "inline"


class ProductionConfig(Config):
    """The default (UTH_ENV unset): gunicorn, `make run`, the CLI. Session cookies are Secure (browsers
    keep them on https:// and on http://127.0.0.1 / localhost, which `make run` serves)."""


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
