"""`uth` commands of the deadlines feature (registered on uth.cli.uth_cli)."""
from __future__ import annotations

from datetime import datetime

import click

from uth.cli import command, fail
from uth.clock import utcnow
from uth.reports.validation import parse_datetime


def parse_now(value: str | None) -> datetime:
    """--now as an aware UTC datetime (without a zone: Copenhagen time), or the app's clock when absent."""
    if value is None:
        return utcnow()
    parsed = parse_datetime(value)
    if parsed is None:
        fail(f"--now: not an ISO 8601 date and time: {value!r}")
    return parsed


@command("sweep-deadlines")
@click.option("--now", "now_text", metavar="ISO", help="Sweep as if it were this moment (ISO 8601; default: now).")
def sweep_deadlines_cmd(now_text: str | None):
    """Record each overdue deadline once and notify the risk managers (SPEC §6)."""
    from uth.deadlines.sweep import run_sweepers

    now = parse_now(now_text)
    counts = run_sweepers(now)
    for name, count in counts.items():
        click.echo(f"{name}: {count} overdue recorded")
    click.echo(f"swept at {now.isoformat()}: {sum(counts.values())} overdue recorded")
