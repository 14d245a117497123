"""`uth sweep-deadlines`: run every registered sweeper (SPEC §6; cron, e.g. hourly)."""
from __future__ import annotations

import click

from uth import hooks
from uth.clock import parse_now
from uth.commands import command
from uth.deadlines.sweep import run_sweepers


OVERDUE = "overdue recorded"


@command("sweep-deadlines")
@click.option("--now", "now_text", metavar="ISO", help="Sweep as if it were this moment (ISO 8601; default: now).")
def sweep_deadlines_cmd(now_text: str | None):
    """Record each overdue deadline once and notify the risk managers (SPEC §6)."""
    now = parse_now(now_text)
    counts = run_sweepers(now)
    # What a sweeper counts, when not overdue deadlines (e.g. `storage_purges`: "purges finished").
    units = {getattr(s, "__name__", repr(s)): getattr(s, "unit", OVERDUE) for s in hooks.get(hooks.SWEEPERS)}
    for name, count in counts.items():
        click.echo(f"{name}: {count} {units.get(name, OVERDUE)}")
    overdue = sum(count for name, count in counts.items() if units.get(name, OVERDUE) == OVERDUE)
    click.echo(f"swept at {now.isoformat()}: {overdue} overdue recorded")
