"""Extension singletons, bound to the app in create_app()."""
import fcntl
import os

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session

from uth.i18n import N_

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def read(statement, params: dict | None = None):
    """A Core SELECT of plain rows (not ORM objects) run on the session's connection, in its
    transaction: session.execute's ORM layer cost ~70 us a statement for nothing there (a queue page
    runs ~10). Pending changes are flushed first, as session.execute's autoflush would."""
    session = db.session
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


login_manager = LoginManager()
csrf = CSRFProtect()
CSRF_MESSAGE = N_("Formularen er udløbet eller mangler sikkerhedsfelt (CSRF). Prøv igen.")

from flask import current_app  # noqa: E402
from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

# Rate limits (public form, login failures), counted where UTH_RATELIMIT_STORAGE says (create_app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# One count per client address over everything the public may post (the form, the API, replies by
# receipt code): UTH_PUBLIC_REPORT_LIMIT in all, not that many on each route.
public_limit = limiter.shared_limit(lambda: current_app.config["UTH_PUBLIC_REPORT_LIMIT"], scope="public",
                                    methods=["POST"])

WRITE_GATE = "uth_write_gate"  # session.info: the open lock file whose lock this transaction holds


def sqlite_write_gate(session: Session | None = None) -> None:
    """SQLite: queue this transaction's writes behind the other writers' on a file lock beside the
    database, taken before its first write and given back as soon as the transaction has committed
    (after the commit's fsync, before the session expires its objects and its after-commit work) or
    rolled back. SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between its tries, so a writer
    waiting for SQLite's lock wakes well after it was freed; the kernel wakes a file lock's waiter at
    its release. Not taken once the transaction has written (it may hold SQLite's lock, and waiting
    for the gate then could wait for a writer that waits for it), nor elsewhere. `session`: another
    than the request's (the search applier's)."""
    session = session or db.session()
    if WRITE_GATE in session.info:
        return
    connection = session.connection()
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    if connection.connection.dbapi_connection.in_transaction:
        return
    gate = os.open(f"{database}-writegate", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(gate, fcntl.LOCK_EX)
    except BaseException:
        os.close(gate)
        raise
    session.info[WRITE_GATE] = gate


def _release_gate(session) -> None:
    gate = session.info.pop(WRITE_GATE, None)
    if gate is not None:
        os.close(gate)  # closing the file releases its lock


def _release_at_end(session, transaction) -> None:
    if transaction.parent is None:  # a rollback (a commit gave it back already)
        _release_gate(session)


# On every session class, before the other after-commit work. Registered here, once: a gate first
# taken inside an after-commit listener (the search applier's, at a command's commit) must not add
# a listener to the list SQLAlchemy is going through.
event.listen(Session, "after_commit", _release_gate, insert=True)
event.listen(Session, "after_transaction_end", _release_at_end)


def commit_keeping_state() -> None:
    """Commit the session's transaction without expiring its objects: what a request just wrote is
    what it answers with, read from memory after the commit (outside the SQLite write gate) rather
    than loaded again."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
