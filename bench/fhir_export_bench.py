"""National FHIR export throughput: `uth export-national --format fhir` over N closed, anonymised cases.

    .venv/bin/python bench/fhir_export_bench.py --cases 100000 --out bench/out/fhir-export-100k.json
    .venv/bin/python bench/fhir_export_bench.py --cases 100000 \
        --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_fhir

A production app on a temp SQLite file (or a PostgreSQL database the bench drops and creates),
migrated with the taxonomy loaded as `uth init` does; a region of 10 top organisations with 9 units
each; N closed and anonymised cases bulk-inserted with SQLAlchemy Core (consistent severities,
Danish narratives of 300-1,500 characters, event and reporting organisations), 2% of them in an
approved analysis with two contributing factors. Each timed run is the command itself in a fresh
session (`export-national --format fhir --out FILE`, audit row included), then the JSON lines format
for comparison. After timing, every line of the FHIR file is validated against R5 with
fhir.resources (the test dependency), so the figure is for valid output.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# uth is imported once main() has set UTH_INSTANCE_DIR: config.py reads it at import.

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BATCH = 5000
SENTENCES = [
    "Patienten blev udskrevet fra medicinsk afdeling til hjemmeplejen om eftermiddagen.",
    "Medicinlisten i FMK var ikke afstemt, og hjemmesygeplejen gav den gamle dosis.",
    "Epikrisen nåede ikke frem før det første besøg, så ordinationen var ukendt.",
    "Overleveringen foregik telefonisk uden en korrespondancemeddelelse bagefter.",
    "Faldet skete om natten på vej til toilettet; alarmen var ikke inden for rækkevidde.",
    "Insulin blev givet to timer for sent, fordi dosisdispenseringen ikke var opdateret.",
    "Der var travlt i vagten, og en kollega var syg, så tjeklisten blev ikke brugt.",
    "Pårørende opdagede fejlen og kontaktede vagtlægen, som justerede behandlingen.",
]
TITLES = ["Epikrise ikke modtaget", "Forkert dosis efter udskrivelse", "Fald på plejecenter",
          "Medicin ikke givet", "Manglende overlevering ved indlæggelse", "Forveksling af præparat"]


def make_app(workdir: Path, db_url: str | None):
    from uth import create_app
    from uth.extensions import db
    from uth.migrate import upgrade_head
    from uth.taxonomy.services import load_taxonomy

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": db_url or f"sqlite:///{workdir / 'uth.sqlite3'}",
                                    "UTH_INDEX_DIR": str(workdir / "index"), "UTH_SEARCH_APPLY": "inline",
                                    "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade_head()
        load_taxonomy()
        db.session.commit()
    return app


def build_region() -> list[int]:
    """10 top organisations with 9 units each; returns the unit ids."""
    from sqlalchemy import select

    from uth.auth.models import Organisation
    from uth.auth.orgs import import_orgs
    from uth.extensions import db

    lines = ["code,name,sector,parent,cluster", "REGION,Region Midtland,region,,"]
    for n in range(10):
        code, sector = (f"H-{n}", "hospital") if n < 4 else (f"K-{n}", "kommune")
        lines.append(f"{code},Organisation {code},{sector},REGION,")
        lines += [f"{code}-{i},Enhed {i} under {code},{sector},{code}," for i in range(1, 10)]
    import_orgs("\n".join(lines))
    db.session.commit()
    return list(db.session.scalars(select(Organisation.id).where(Organisation.code.like("%-%-%"))))


def insert_cases(count: int, seed: int) -> dict:
    """`count` closed, anonymised cases, and approved analyses with contributing factors on 2% of them."""
    from uth.deadlines.rules import local_date
    from uth.extensions import db
    from uth.rca.models import Analysis, ContributingFactor, analysis_cases
    from uth.reports.models import Case
    from uth.reports.severity import severity
    from uth.taxonomy.services import codes

    rng = random.Random(seed)
    units = build_region()
    event_types, factors = sorted(codes("event_types")), sorted(codes("contributing_factors"))
    consequences = [("none", "none"), ("none", "minor"), ("none", "serious_or_fatal"), ("minor", "minor"),
                    ("minor", "serious_or_fatal"), ("serious", None), ("fatal", None)]
    start = NOW - timedelta(days=3650)
    received_times = sorted(start + timedelta(seconds=rng.randrange(3650 * 86400 - 100 * 86400)) for _ in range(count))
    seqs: dict[int, int] = {}
    cases, analyses, links, entries = [], [], [], []
    for case_id, received in enumerate(received_times, 1):
        year = local_date(received).year
        seqs[year] = seqs.get(year, 0) + 1
        actual, possible = rng.choice(consequences)
        event_org, reporting_org = rng.choice(units), rng.choice(units)
        closed = received + timedelta(days=rng.randrange(5, 90))
        cases.append({
            "id": case_id, "reference": f"UTH-{year}-{seqs[year]:06d}", "year": year, "seq": seqs[year],
            "status": "closed", "received_at": received, "updated_at": closed,
            "occurred_at": received - timedelta(hours=rng.randrange(1, 72)), "occurred_at_precision": "known",
            "reporter_kind": "staff", "statutory": True, "reporting_org_id": reporting_org, "event_org_id": event_org,
            "handling_org_id": event_org, "owning_org_id": event_org, "cross_sector": False,
            "event_type": rng.choice(event_types), "title": rng.choice(TITLES),
            "description": " ".join(rng.choices(SENTENCES, k=rng.randrange(4, 18))),
            "actual_consequence": actual, "possible_consequence": possible, "severity": severity(actual, possible),
            "reporter_anonymous": False, "acknowledge_by": local_date(received) + timedelta(days=3),
            "close_by": local_date(received) + timedelta(days=90), "acknowledged_at": received + timedelta(days=1),
            "closed_at": closed, "anonymised_at": closed, "conclusion": "Medicinlisten var ikke afstemt.",
            "learning": "Afstem medicinlisten i FMK før udskrivelse.",
        })
        if rng.random() < 0.02:
            analysis_id = len(analyses) + 1
            analyses.append({"id": analysis_id, "method": "kaa", "title": "Analyse", "status": "approved",
                             "handling_org_id": event_org, "created_at": closed, "updated_at": closed, "approved_at": closed})
            links.append({"analysis_id": analysis_id, "case_id": case_id})
            entries += [{"analysis_id": analysis_id, "code": code} for code in rng.sample(factors, 2)]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for table, rows in ((Case.__table__, cases), (Analysis.__table__, analyses), (analysis_cases, links),
                            (ContributingFactor.__table__, entries)):
            for i in range(0, len(rows), BATCH):
                conn.execute(table.insert(), rows[i:i + BATCH])
        conn.exec_driver_sql("ANALYZE")
    return {"cases": len(cases), "approved_analyses": len(analyses), "insert_s": round(time.perf_counter() - started, 1)}


def export(app, fmt: str, target: Path) -> tuple[float, float]:
    """One run of the command as an operator starts it: (wall, CPU) seconds (CPU as well, because the
    machine may be shared)."""
    runner = app.test_cli_runner()
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(args=["uth", "export-national", "--format", fmt, "--out", str(target)])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise SystemExit(f"export failed: {result.output}")
    return elapsed, cpu


def validate(path: Path) -> int:
    """Every line against R5 (fhir.resources); the count of valid resources."""
    from fhir.resources.adverseevent import AdverseEvent

    count = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            AdverseEvent.model_validate_json(line)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--pg-url", help="a PostgreSQL database of the bench's own (dropped and created)")
    parser.add_argument("--no-validate", action="store_true", help="skip the R5 check of the exported lines")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="uth-fhir-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir)
    try:
        if args.pg_url:
            from bench.seed import fresh_pg_database  # the one check that it is a bench database

            fresh_pg_database(args.pg_url)
        app = make_app(workdir, args.pg_url)
        with app.app_context():
            seeded = insert_cases(args.cases, args.seed)
        print(f"seeded {seeded}", file=sys.stderr)
        figures: dict = {"database": "postgresql" if args.pg_url else "sqlite", **seeded}
        for fmt, name in (("fhir", "national.ndjson"), ("json", "national.jsonl")):
            target = workdir / name
            runs = [export(app, fmt, target) for _ in range(args.runs)]
            times = [wall for wall, _ in runs]
            best, median = min(times), statistics.median(times)
            figures[fmt] = {"runs_s": [round(t, 2) for t in times], "cpu_s": [round(c, 2) for _, c in runs],
                            "median_s": round(median, 2), "resources_per_s": round(args.cases / median),
                            "best_per_s": round(args.cases / best), "bytes": target.stat().st_size}
            print(f"{fmt}: median {median:.2f} s = {args.cases / median:,.0f} cases/s "
                  f"({target.stat().st_size / 2**20:.0f} MiB)", file=sys.stderr)
        if not args.no_validate:
            started = time.perf_counter()
            figures["fhir"]["valid_r5"] = validate(workdir / "national.ndjson")
            figures["fhir"]["validate_s"] = round(time.perf_counter() - started, 1)
            assert figures["fhir"]["valid_r5"] == args.cases
        print(json.dumps(figures, indent=2))
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
