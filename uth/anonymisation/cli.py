"""`uth anonymise-check` and `uth export-national` (SPEC §8, §15)."""
from __future__ import annotations

import json
import sys
from datetime import date

import click
from sqlalchemy import select

from uth.anonymisation.export import national_records
from uth.anonymisation.services import case_findings
from uth.audit.services import record
from uth.clock import utcnow
from uth.commands import command, fail
from uth.extensions import db
from uth.fhir.services import national_resources
from uth.reports.models import Case


@command("anonymise-check")
@click.argument("reference")
def anonymise_check_cmd(reference: str):
    """Print the anonymisation findings of a case, one per line: id, field, kind, text."""
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        fail(f"unknown case: {reference}")
    findings = case_findings(case)
    for f in findings:
        click.echo("\t".join((f["id"], f["field"], f["kind"], f["text"].replace("\n", " "))))
    if not findings:
        click.echo("no findings")


@command("export-national")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Closed on or after this date (YYYY-MM-DD).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), help="Write to a file instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["json", "fhir"]), default="json", show_default=True,
              help="json: UTH's JSON lines; fhir: NDJSON of FHIR R5 AdverseEvent resources (SPEC §22).")
def export_national_cmd(since, out_path: str | None, fmt: str):
    """Write the anonymised closed cases, one per line, for the national database (README: National export)."""
    since_day: date | None = since.date() if since else None
    rows = national_records(since_day) if fmt == "json" else national_resources(since_day)
    stream = open(out_path, "w", encoding="utf-8") if out_path else sys.stdout
    count = 0
    try:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if out_path:
            stream.close()
    record("system", "export.national", now=utcnow(),
           detail={"count": count, "since": since_day.isoformat() if since_day else None, "format": fmt})
    click.echo(f"exported {count} cases", err=True)
