"""`uth audit-verify` and `uth audit-head` (SPEC §15, §21)."""
from __future__ import annotations

import sys

import click

from uth.audit.models import AuditChainHead
from uth.commands import command
from uth.extensions import db
from uth.integrity.services import verify_chain


@command("audit-verify")
@click.option("--head", "expected", metavar="HASH", help="A head hash exported earlier: it must still be in the chain.")
def audit_verify_cmd(expected: str | None):
    """Recompute the audit hash chain: exit 0 with "N entries verified" and the head, 1 naming the first bad entry."""
    verdict = verify_chain(expected.strip().lower() if expected else None)
    if verdict.problem:
        where = f"audit entry {verdict.bad_id}: " if verdict.bad_id is not None else ""
        click.echo(f"{verdict.verified} entries verified before the break", err=True)
        click.echo(f"chain broken at {where}{verdict.problem}", err=True)
        sys.exit(1)
    click.echo(f"{verdict.verified} entries verified")
    click.echo(f"head {verdict.head} (entry {verdict.last_id if verdict.last_id is not None else '-'})")


@command("audit-head")
def audit_head_cmd():
    """Print the audit chain's head hash (as stored; `uth audit-verify` recomputes it)."""
    head = db.session.get(AuditChainHead, 1)
    if head is None:
        click.echo("0" * 64)
        return
    click.echo(f"{head.hash} (entry {head.last_id if head.last_id is not None else '-'}, {head.entries} entries chained)")
