"""Users, grants, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import make_transient_to_detached

from uth import hooks
from uth.auth.models import ApiToken, Cluster, Grant, Organisation, Role, User, UserSession
from uth.bulk import compiled_rows
from uth.errors import Invalid, NotFound
from uth.extensions import db
from uth.i18n import message

from flask import current_app, has_app_context

# Argon2id: memory-hard, so a stolen hash table is expensive to crack. The test suite lowers the
# cost through UTH_ARGON2_PARAMS; production keeps argon2-cffi's recommended defaults.
_DEFAULT_HASHER = PasswordHasher()
_DUMMY_HASHES: dict[tuple, str] = {}


def _hasher() -> PasswordHasher:
    params = current_app.config.get("UTH_ARGON2_PARAMS") if has_app_context() else None
    return PasswordHasher(**params) if params else _DEFAULT_HASHER


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of the hasher's own parameters, so verifying against it costs what a real one does."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[key]


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True when the user is active and the password matches. Argon2 runs once whatever the user:
    unknown, deactivated and password-less accounts are verified against a dummy hash of the same
    cost, so the answer's timing does not tell which e-mails exist."""
    hasher = _hasher()
    real = user is not None and user.active and bool(user.password_hash)
    try:
        return hasher.verify(user.password_hash if real else _dummy_hash(hasher), password) and real
    except (VerificationError, InvalidHashError):
        return False


def find_user(email: str) -> User | None:
    """A user by e-mail, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def add_user(email: str, name: str, password: str | None, *, now: datetime) -> User:
    """Create a user; e-mail unique, password at least 10 characters."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = [message("Ugyldig e-mailadresse")]
    elif find_user(email):
        errors["email"] = [message("Der findes allerede en bruger med denne e-mailadresse")]
    if not name.strip():
        errors["name"] = [message("Navn skal udfyldes")]
    if password is not None and len(password) < 10:
        errors["password"] = [message("Adgangskoden skal være mindst 10 tegn")]
    if errors:
        raise Invalid(errors)
    user = User(email=email, name=name.strip(), created_at=now,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def grant_role(user: User, role: str, scope: str | None, *, now: datetime) -> Grant:
    """Give a (role, scope) grant; a reporter's first reporter grant sets the primary org."""
    try:
        role_enum = Role(role)
    except ValueError:
        raise Invalid({"role": [message("Ukendt rolle: %(role)s", role=role)]}) from None
    org = cluster = None
    if role_enum is Role.ADMIN:
        if scope:
            raise Invalid({"scope": ["admin har intet omfang"]})
    elif role_enum is Role.FORUM_MEMBER:
        cluster = db.session.scalar(select(Cluster).where(Cluster.code == scope)) if scope else None
        if cluster is None:
            raise Invalid({"scope": [message("Ukendt klynge: %(name)s", name=scope)]})
    else:
        org = db.session.scalar(select(Organisation).where(Organisation.code == scope)) if scope else None
        if org is None:
            raise Invalid({"scope": [message("Ukendt organisation: %(name)s", name=scope)]})
    existing = next((g for g in user.grants if g.role == role_enum.value and g.org == org and g.cluster == cluster), None)
    if existing:
        existing.active = True
        return existing
    grant = Grant(user=user, role=role_enum.value, org=org, cluster=cluster, created_at=now)
    db.session.add(grant)
    if role_enum is Role.REPORTER and user.primary_org_id is None:
        user.primary_org = org
    db.session.flush()
    return grant


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, now: datetime) -> str:
    """A new API token; only its hash is stored, so it is shown once."""
    token = "uth_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:10], created_at=now))
    db.session.flush()
    return token


def start_session(user: User, *, now: datetime, lifetime: timedelta) -> str:
    """A new server-side session for a sign-in; returns the token the browser's cookie keeps."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_token_hash(token), created_at=now, expires_at=now + lifetime))
    db.session.flush()
    return token


def session_user(user_id: int, token: str | None, *, now: datetime) -> User | None:
    """The active user of a live session (not ended, not expired), or None; with the user's grants
    and their organisations, as `user_for_token` makes the API's actor: one Core query a request,
    the ORM objects built only when its rows changed (a changed grant or organisation counts at once)."""
    if not token:
        return None
    digest = _token_hash(token)
    rows = _actor_rows(_SESSION_ROWS, {"token_hash": digest, "user_id": user_id, "now": now})
    if not rows:  # no such session, ended, expired, or the user deactivated
        return None
    return _actor(("session", digest), rows)


def end_session(token: str | None, *, now: datetime) -> None:
    """Sign-out: the session's cookie no longer signs anyone in, wherever it was copied to."""
    if token:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _token_hash(token),
                                                     UserSession.ended_at.is_(None)).values(ended_at=now))


SESSION_ROWS_KEPT = timedelta(days=30)  # an ended or expired session's row, kept to look into a sign-in problem


def forget_old_sessions(now: datetime) -> int:
    """A sweeper (`uth sweep-deadlines`): delete the sessions that ended or expired more than
    SESSION_ROWS_KEPT ago (their cookies sign no one in; sign-ins and -outs are in the audit trail)."""
    cutoff = now - SESSION_ROWS_KEPT
    return db.session.execute(delete(UserSession).where(
        or_(UserSession.ended_at < cutoff, UserSession.expires_at < cutoff))).rowcount or 0


forget_old_sessions.unit = "old sign-in sessions deleted"


def end_user_sessions(user: User, *, now: datetime) -> int:
    """End every session of the user (deactivation); returns how many were live."""
    return db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                              .values(ended_at=now)).rowcount or 0


_TOKENS, _USERS, _GRANTS, _ORGS = ApiToken.__table__, User.__table__, Grant.__table__, Organisation.__table__
# The token with its user, the user's grants and their organisations: every row the API's actor is made of.
_ACTOR_ROWS = (
    select(_TOKENS.c.revoked_at, *_USERS.c, *_GRANTS.c, *_ORGS.c)
    .select_from(_TOKENS).join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .outerjoin(_GRANTS, _GRANTS.c.user_id == _USERS.c.id).outerjoin(_ORGS, _ORGS.c.id == _GRANTS.c.org_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash")).order_by(_GRANTS.c.id)
)
_SESSIONS = UserSession.__table__
# The same rows for a signed-in browser: the live session's user (the leading column only keeps the layout).
_SESSION_ROWS = (
    select(_SESSIONS.c.id, *_USERS.c, *_GRANTS.c, *_ORGS.c)
    .select_from(_SESSIONS).join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .outerjoin(_GRANTS, _GRANTS.c.user_id == _USERS.c.id).outerjoin(_ORGS, _ORGS.c.id == _GRANTS.c.org_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"), _USERS.c.id == bindparam("user_id"),
           _USERS.c.active.is_(True), _SESSIONS.c.ended_at.is_(None), _SESSIONS.c.expires_at > bindparam("now"))
    .order_by(_GRANTS.c.id)
)
_USER_ACTIVE = 1 + list(_USERS.c).index(_USERS.c.active)
# token hash (or ("session", its hash)) -> (the rows, the user made of them, detached)
_ACTORS: dict[str | tuple[str, str], tuple[tuple, User]] = {}
_ACTORS_KEPT = 1000


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to (with its grants and their organisations), or None.

    Every call reads the token's rows (one query, given to the driver as compiled once: revocation,
    deactivation and a changed grant or organisation count at once, whoever changed them); the ORM
    objects are built from them (read again, typed) only when they differ from the rows this
    process last saw for the token, and are otherwise merged into the session from that detached
    copy, without loading."""
    digest = _token_hash(token)
    rows = _actor_rows(_ACTOR_ROWS, {"token_hash": digest}, as_driver_gives=True)
    if not rows or rows[0][0] is not None or not rows[0][_USER_ACTIVE]:  # revoked, or the user deactivated
        return None
    return _actor(digest, rows, lambda: _actor_rows(_ACTOR_ROWS, {"token_hash": digest}))


def _actor_rows(query, params: dict, *, as_driver_gives: bool = False) -> tuple:
    """The actor's rows, read with the columns features ask for (hooks.ACTOR_READ); each is given
    its value (from the first row). `as_driver_gives`: the values untyped (on SQLite a time is
    text, a flag 0 or 1; `bulk.compiled_rows`), enough to tell whether they changed, for
    parameters that need no type processing."""
    reads = tuple(hooks.get(hooks.ACTOR_READ))
    if reads:
        key = (query, reads)
        if key not in _WITH_READS:  # built once: the statement is the key of its compiled form
            _WITH_READS[key] = query.add_columns(*(read.column for read in reads))
        query = _WITH_READS[key]
    connection = db.session.connection()
    rows = tuple(compiled_rows(connection, query, params) if as_driver_gives else connection.execute(query, params).all())
    if rows and reads:
        for read, value in zip(reads, rows[0][-len(reads):]):
            read(value)
    return rows


_WITH_READS: dict[tuple, object] = {}


def _actor(key, rows: tuple, typed=None) -> User:
    """The user made of these rows, merged into the session from the detached copy this process
    keeps for the key while its rows stay the same; `typed()` reads them typed, if they are not
    (`as_driver_gives`), to make the user of when they changed."""
    known = _ACTORS.get(key)
    if known is None or known[0] != rows:
        if len(_ACTORS) >= _ACTORS_KEPT:
            _ACTORS.clear()
        known = _ACTORS[key] = (rows, _detached_actor(typed() if typed else rows))
    return db.session.merge(known[1], load=False)


def _detached_actor(rows: tuple) -> User:
    """The user, grants and organisations of `_ACTOR_ROWS`, as detached objects loaded from them."""
    def values(table, row):
        return {column.key: row[index] for index, column in enumerate(table.c)}

    width = (len(_USERS.c), len(_GRANTS.c))
    user = User(**values(_USERS, rows[0][1:]))
    orgs: dict[int, Organisation] = {}
    objects: list = [user]
    for row in rows:
        grant_row, org_row = row[1 + width[0]:1 + sum(width)], row[1 + sum(width):1 + sum(width) + len(_ORGS.c)]
        if grant_row[0] is None:  # no grants
            continue
        org = None
        if org_row[0] is not None:
            org = orgs.get(org_row[0])
            if org is None:
                org = orgs[org_row[0]] = Organisation(**values(_ORGS, org_row))
                objects.append(org)
        grant = Grant(**values(_GRANTS, grant_row))
        grant.org = org
        user.grants.append(grant)
        objects.append(grant)
    if user.primary_org_id in orgs:  # a reporter's own organisation (the report form's default): loaded with the grants
        user.primary_org = orgs[user.primary_org_id]
    for obj in objects:
        make_transient_to_detached(obj)
    return user


def get_user_by_email(email: str) -> User:
    """A user by e-mail or NotFound (for the CLI)."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"no user with e-mail {email}")
    return user


# -- revoking access (admin page and CLI; the caller audits) -------------------------------------

def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_by_prefix(prefix: str) -> ApiToken:
    """The token a prefix (as `uth tokens` shows it) names, or NotFound (also when several share it)."""
    rows = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix.strip())))
    if len(rows) != 1:
        raise NotFound(f"no token with prefix {prefix}" if not rows else f"several tokens start with {prefix}")
    return rows[0]


def revoke_token(token: ApiToken, *, now: datetime) -> bool:
    """The token answers 401 from now on; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    db.session.flush()
    return True


def set_user_active(user: User, active: bool, *, now: datetime) -> int:
    """Deactivate (sign-in, sessions and tokens stop working at once) or reactivate a user;
    returns how many live sessions a deactivation ended."""
    user.active = active
    ended = 0 if active else end_user_sessions(user, now=now)
    db.session.flush()
    return ended


def find_grant(user: User, role: str, scope: str | None) -> Grant:
    """The user's grant of this role over this scope (org code, cluster code, none for admin), or NotFound."""
    for grant in user.grants:
        if grant.role == role and grant_scope(grant) == (scope or None):
            return grant
    raise NotFound(f"{user.email} has no {role} grant{' on ' + scope if scope else ''}")


def set_grant_active(grant: Grant, active: bool) -> None:
    """Withdraw a grant (its role and scope stop applying at the next request) or give it back."""
    grant.active = active
    db.session.flush()


def grant_scope(grant: Grant) -> str | None:
    """The code a grant's scope is known by."""
    return grant.org.code if grant.org else grant.cluster.code if grant.cluster else None
