"""`uth import-reports`: moving report history in from another system (SPEC §15)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from uth.clock import utcnow
from uth.commands import command
from uth.extensions import db


@command("import-reports")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_reports_cmd(file: Path):
    """Import reports from JSON lines (SPEC §3 plus optional received_at and reporter_email).

    Each line is imported on its own: good lines are committed, a bad line writes nothing and
    is listed on stderr as "line N: field: message". On a terminal a progress bar runs on stderr. Exit 0 when every line was imported,
    1 when any line was rejected (the good lines are still committed).
    """
    from uth.reports.importing import import_reports

    with file.open(encoding="utf-8-sig") as fh:
        if not _stderr_is_terminal():
            result = import_reports(fh, now=utcnow())
        else:  # a bar on the terminal's stderr, by bytes read (the file need not be counted first)
            with click.progressbar(length=file.stat().st_size, label="Importerer", file=sys.stderr,
                                   show_eta=True, show_percent=True) as bar:
                result = import_reports(fh, now=utcnow(), progress=lambda line: bar.update(len(line.encode())))
    for number, errors in result.rejected:
        reasons = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in errors.items())
        click.echo(f"line {number}: {reasons}", err=True)
    click.echo(f"imported {len(result.imported)}, rejected {len(result.rejected)}")
    if result.rejected:
        db.session.commit()
        sys.exit(1)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@command("route-unrouted")
def route_unrouted_cmd():
    """Route the open unrouted cases again with today's rules and risk managers (SPEC §24);
    prints how many were routed and how many still reach nobody."""
    from uth.commands import cli_actor
    from uth.reports.queries import unrouted_cases
    from uth.reports.rerouting import MAX_UNROUTED, route_unrouted

    routed = route_unrouted(cli_actor(), now=utcnow())
    db.session.flush()
    left = len(unrouted_cases(MAX_UNROUTED))
    click.echo(f"routed {len(routed)}, still unrouted {left}")
