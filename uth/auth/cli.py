"""`uth` commands for organisations, users, grants and tokens (SPEC §15)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from uth.audit.services import record
from uth.auth.orgs import import_orgs
from uth.auth.services import add_user, create_token, get_user_by_email, grant_role
from uth.clock import utcnow
from uth.commands import cli_actor, command


@command("import-orgs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_orgs_cmd(file: Path):
    """Upsert organisations from a CSV (code,name,sector,parent,cluster); a bad row rejects the file."""
    count = import_orgs(file.read_text(encoding="utf-8-sig"))
    record(cli_actor(), "orgs.imported", now=utcnow(), detail={"file": file.name, "count": count})
    click.echo(f"imported {count} organisations")


@command("add-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add_user_cmd(email: str, name: str, password_stdin: bool):
    """Create a user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    user = add_user(email, name, password, now=utcnow())
    record(cli_actor(), "user.created", now=utcnow(), obj=user, detail={"email": user.email})
    click.echo(f"created user {user.email}")


@command("grant")
@click.argument("email")
@click.argument("role")
@click.argument("scope", required=False)
def grant_cmd(email: str, role: str, scope: str | None):
    """Give ROLE over SCOPE (org code; cluster code for forum_member; none for admin)."""
    grant = grant_role(get_user_by_email(email), role, scope, now=utcnow())
    record(cli_actor(), "grant.created", now=utcnow(), obj=grant, org_id=grant.org_id,
           detail={"email": email, "role": role, "scope": scope})
    click.echo(f"granted {role}{' on ' + scope if scope else ''} to {email}")


@command("create-token")
@click.argument("email")
def create_token_cmd(email: str):
    """Print a new API token as the last line of stdout."""
    user = get_user_by_email(email)
    token = create_token(user, now=utcnow())
    record(cli_actor(), "token.created", now=utcnow(), obj=user, detail={"email": email, "prefix": token[:10]})
    click.echo(f"token for {email} (shown once):")
    click.echo(token)
