"""`uth` commands for organisations, users, grants and tokens (SPEC §15), and for taking access away."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from uth.audit.services import record
from uth.auth.orgs import import_orgs
from uth.auth.services import (add_user, create_token, find_grant, get_user_by_email, grant_role, revoke_token,
                               set_grant_active, set_user_active, token_by_prefix, tokens_of)
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


@command("tokens")
@click.argument("email")
def tokens_cmd(email: str):
    """List a user's API tokens: prefix, created, revoked (the token itself is never stored)."""
    for token in tokens_of(get_user_by_email(email)):
        revoked = f"revoked {token.revoked_at.isoformat()}" if token.revoked_at else "active"
        click.echo(f"{token.prefix}\t{token.created_at.isoformat()}\t{revoked}")


@command("revoke-token")
@click.argument("prefix")
def revoke_token_cmd(prefix: str):
    """Revoke the API token starting with PREFIX (as `uth tokens` lists it): it answers 401 at once."""
    token = token_by_prefix(prefix)
    if revoke_token(token, now=utcnow()):
        record(cli_actor(), "token.revoked", now=utcnow(), obj=token.user,
               detail={"email": token.user.email, "prefix": token.prefix})
        click.echo(f"revoked token {token.prefix} of {token.user.email}")
    else:
        click.echo(f"token {token.prefix} was already revoked")


@command("deactivate-user")
@click.argument("email")
def deactivate_user_cmd(email: str):
    """Stop a user: sign-in, open sessions and API tokens stop working at once (the account and its
    history stay)."""
    user = get_user_by_email(email)
    ended = set_user_active(user, False, now=utcnow())
    record(cli_actor(), "user.deactivated", now=utcnow(), obj=user, detail={"email": user.email, "sessions_ended": ended})
    click.echo(f"deactivated {user.email} ({ended} open session{'s' if ended != 1 else ''} ended)")


@command("activate-user")
@click.argument("email")
def activate_user_cmd(email: str):
    """Let a deactivated user sign in again (revoked tokens stay revoked)."""
    user = get_user_by_email(email)
    set_user_active(user, True, now=utcnow())
    record(cli_actor(), "user.activated", now=utcnow(), obj=user, detail={"email": user.email})
    click.echo(f"activated {user.email}")


@command("revoke-grant")
@click.argument("email")
@click.argument("role")
@click.argument("scope", required=False)
def revoke_grant_cmd(email: str, role: str, scope: str | None):
    """Withdraw ROLE over SCOPE from a user (`uth grant` gives it back)."""
    grant = find_grant(get_user_by_email(email), role, scope)
    set_grant_active(grant, False)
    record(cli_actor(), "grant.revoked", now=utcnow(), obj=grant, org_id=grant.org_id,
           detail={"email": email, "role": role, "scope": scope})
    click.echo(f"revoked {role}{' on ' + scope if scope else ''} from {email}")
