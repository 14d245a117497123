"""The `uth` command group: `flask --app wsgi uth COMMAND` (SPEC §15)."""
from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from uth.clock import utcnow
from uth.errors import DomainError, Invalid
from uth.extensions import db

uth_cli = AppGroup("uth", help="UTH administration commands.")


def fail(message: str, code: int = 1):
    """One line on stderr and a non-zero exit."""
    click.echo(message, err=True)
    sys.exit(code)


def command(*args, **kwargs):
    """A uth command that commits once on success and turns domain errors into one stderr line."""

    def decorate(func):
        @wraps(func)
        def wrapper(*a, **kw):
            # A command is a short-lived process: index what it commits before it exits, rather than
            # in a background thread that the exit would cut off (the outbox would repair it later).
            current_app.config["UTH_SEARCH_APPLY"] = "inline"
            try:
                result = func(*a, **kw)
                db.session.commit()
                return result
            except Invalid as err:
                db.session.rollback()
                fail("; ".join(f"{k}: {', '.join(v)}" for k, v in err.errors.items()))
            except DomainError as err:
                db.session.rollback()
                fail(err.message or type(err).__name__)

        return uth_cli.command(*args, **kwargs)(wrapper)

    return decorate


def _audit(action: str, **kwargs) -> None:
    """Audit a change made from the command line, named after the operating-system user (SPEC §13)."""
    import getpass

    from uth.audit.services import record

    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    record(f"cli:{who}", action, now=utcnow(), **kwargs)


@command("init")
def init_cmd():
    """Migrate the schema to head and load the taxonomy (idempotent)."""
    from uth.migrate import upgrade_head
    from uth.taxonomy.loader import TaxonomyError
    from uth.taxonomy.services import load_taxonomy

    upgrade_head()
    try:
        counts = load_taxonomy()
    except TaxonomyError as err:
        fail(str(err))
    click.echo(f"schema at head; taxonomy loaded ({sum(counts.values())} terms)")


@command("import-orgs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_orgs_cmd(file: Path):
    """Upsert organisations from a CSV (code,name,sector,parent,cluster); a bad row rejects the file."""
    from uth.auth.orgs import import_orgs

    count = import_orgs(file.read_text(encoding="utf-8-sig"))
    _audit("orgs.imported", detail={"file": file.name, "count": count})
    click.echo(f"imported {count} organisations")


@command("add-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add_user_cmd(email: str, name: str, password_stdin: bool):
    """Create a user."""
    from uth.auth.services import add_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    user = add_user(email, name, password, now=utcnow())
    _audit("user.created", obj=user, detail={"email": user.email})
    click.echo(f"created user {user.email}")


@command("grant")
@click.argument("email")
@click.argument("role")
@click.argument("scope", required=False)
def grant_cmd(email: str, role: str, scope: str | None):
    """Give ROLE over SCOPE (org code; cluster code for forum_member; none for admin)."""
    from uth.auth.services import get_user_by_email, grant_role

    grant = grant_role(get_user_by_email(email), role, scope, now=utcnow())
    _audit("grant.created", obj=grant, org_id=grant.org_id, detail={"email": email, "role": role, "scope": scope})
    click.echo(f"granted {role}{' on ' + scope if scope else ''} to {email}")


@command("create-token")
@click.argument("email")
def create_token_cmd(email: str):
    """Print a new API token as the last line of stdout."""
    from uth.auth.services import create_token, get_user_by_email

    user = get_user_by_email(email)
    token = create_token(user, now=utcnow())
    _audit("token.created", obj=user, detail={"email": email, "prefix": token[:10]})
    click.echo(f"token for {email} (shown once):")
    click.echo(token)


@command("demo")
def demo_cmd():
    """Load a demo region with users of every role and sample cases; prints the logins."""
    from uth.demo import load_demo

    for line in load_demo(now=utcnow()):
        click.echo(line)


# Each feature registers its own commands on uth_cli when imported.
from uth.anonymisation import cli as _anonymisation_cli  # noqa: E402,F401
from uth.audit import cli as _audit_cli  # noqa: E402,F401
from uth.deadlines import cli as _deadlines_cli  # noqa: E402,F401
from uth.learning import cli as _learning_cli  # noqa: E402,F401
from uth.notifications import cli as _notifications_cli  # noqa: E402,F401
from uth.rca import cli as _rca_cli  # noqa: E402,F401
from uth.reports import cli as _reports_cli  # noqa: E402,F401
from uth.search import cli as _search_cli  # noqa: E402,F401
