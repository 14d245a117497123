"""`uth send-digest`: the learning digest for forum members."""
from __future__ import annotations

import click

from uth.clock import utcnow
from uth.commands import command


@command("send-digest")
@click.option("--since", default=None, help="YYYY-MM-DD; default: since the last digest (the first one: since the first day of last month).")
def send_digest_cmd(since: str | None):
    """Queue the learning digest e-mail for every forum member with new summaries."""
    from uth.learning.digest import digest_since, send_digest

    now = utcnow()
    queued = send_digest(digest_since(since, now), now=now)
    click.echo(f"{queued} digest e-mails queued")
