"""The `uth` command group (`flask --app wsgi uth COMMAND`, SPEC §15): every command, listed here."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from uth.anonymisation.cli import anonymise_check_cmd, export_national_cmd
from uth.auth.cli import (activate_user_cmd, add_user_cmd, create_token_cmd, deactivate_user_cmd, grant_cmd,
                          import_orgs_cmd, revoke_grant_cmd, revoke_token_cmd, tokens_cmd)
from uth.clock import utcnow
from uth.commands import command, fail
from uth.deadlines.cli import sweep_deadlines_cmd
from uth.integrity.cli import audit_head_cmd, audit_verify_cmd
from uth.learning.cli import send_digest_cmd
from uth.notifications.cli import send_notifications_cmd
from uth.reports.cli import import_reports_cmd, route_unrouted_cmd
from uth.search.cli import reindex_cmd


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


@command("demo")
def demo_cmd():
    """Load a demo region with users of every role and sample cases; prints the logins."""
    from uth.demo import load_demo

    for line in load_demo(now=utcnow()):
        click.echo(line)


COMMANDS = (
    init_cmd, demo_cmd, import_orgs_cmd, add_user_cmd, grant_cmd, create_token_cmd, tokens_cmd, revoke_token_cmd,
    deactivate_user_cmd, activate_user_cmd, revoke_grant_cmd, import_reports_cmd, route_unrouted_cmd,
    sweep_deadlines_cmd, send_notifications_cmd, send_digest_cmd, anonymise_check_cmd, export_national_cmd,
    reindex_cmd, audit_verify_cmd, audit_head_cmd,
)


def register_cli(app: Flask) -> None:
    """Add the `uth` group with every command to the app's CLI."""
    group = AppGroup("uth", help="UTH administration commands.")
    for cmd in COMMANDS:
        group.add_command(cmd)
    app.cli.add_command(group)
