"""`uth send-notifications` (SPEC §7; cron, every minute)."""
from __future__ import annotations

import click

from uth.clock import parse_now
from uth.commands import command, fail


@command("send-notifications")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Deliver at most this many messages in this run.")
@click.option("--now", "now_text", metavar="ISO", help="Run as if it were this moment (ISO 8601; default: now).")
def send_notifications_cmd(limit: int, now_text: str | None):
    """Deliver due e-mails from the outbox over SMTP (UTH_SMTP_HOST/PORT), with retries (SPEC §7)."""
    from uth.notifications.sender import send_notifications

    result = send_notifications(now=parse_now(now_text), limit=limit)
    click.echo(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}, "
               f"recovered {result.recovered}")
    if result.undelivered:  # the messages stay in the outbox; a non-zero exit tells cron someone should look
        fail(f"{result.undelivered} message(s) not delivered ({result.retrying} will be retried, "
             f"{result.failed} given up): {result.last_error}")
