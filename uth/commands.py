"""What every `uth` command shares: one commit on success, domain errors as one line on stderr."""
from __future__ import annotations

import getpass
import sys
from functools import wraps

import click
from flask import current_app
from flask.cli import with_appcontext

from uth.errors import DomainError, Invalid
from uth.extensions import db


def fail(message: str, code: int = 1):
    """One line on stderr and a non-zero exit (SPEC §15)."""
    click.echo(message, err=True)
    sys.exit(code)


def command(name: str, **kwargs):
    """A `uth` command (a plain click command; `uth.cli` adds it to the group) that commits once on
    success and turns a domain error into one stderr line and exit 1."""

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
                fail("; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in err.errors.items()))
            except DomainError as err:
                db.session.rollback()
                fail(err.message or type(err).__name__)

        return click.command(name, **kwargs)(with_appcontext(wrapper))

    return decorate


def cli_actor() -> str:
    """How the audit trail names a change made from the command line: `cli:<os user>` (SPEC §13)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"
