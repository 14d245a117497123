"""`uth sweep-deadlines`: run every registered sweeper (SPEC §6; cron, e.g. hourly)."""
from __future__ import annotations

import click

from uth.clock import parse_now
from uth.commands import command
from uth.deadlines.sweep import run_sweepers


@command("sweep-deadlines")
@click.option("--now", "now_text", metavar="ISO", help="Sweep as if it were this moment (ISO 8601; default: now).")
def sweep_deadlines_cmd(now_text: str | None):
    """Record each overdue deadline once and notify the risk managers (SPEC §6)."""
    now = parse_now(now_text)
    counts = run_sweepers(now)
    for name, count in counts.items():
        click.echo(f"{name}: {count} overdue recorded")
    click.echo(f"swept at {now.isoformat()}: {sum(counts.values())} overdue recorded")
