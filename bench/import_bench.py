"""`uth import-reports` throughput: N JSON lines of ten years' history into the demo region.

    .venv/bin/python bench/import_bench.py --reports 5000
    .venv/bin/python bench/import_bench.py --reports 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_import

The lines are what another system exports (SPEC §15): bench/search_bench.py's Danish narratives,
an event and reporting organisation of the demo region, ~20% with a transition to another sector,
received over ten years (so most are closed-era and overdue at import: deadlines are recorded
without mail), 1% bad lines (broken JSON, a missing title, an unknown organisation) that must be
reported with their numbers. The command runs in-process as `flask uth import-reports` does; the
time is until the command ends, the index written (a command indexes what it committed before it
exits), and the part until the import's commit is shown too.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS = ["AUH-AKU", "AUH-MED-M1", "AUH-MED-M2", "AUH-ORT", "RHG-MED", "RHG-KIR", "HEH-MED", "PRM-AFD",
         "AP-TROJ", "AP-HER", "K751-HJN", "K751-SYG", "K751-PKG", "K657-HJP", "K615-HJP", "APO-LOVE"]
HANDOVERS = [("udskrivelse.epikrise", "AUH-MED-M1", "AP-TROJ"), ("medicin.fmk", "AUH-MED-M2", "K751-HJN"),
             ("udskrivelse.rapport", "RHG-MED", "K657-HJP"), ("indlaeggelse.rapport", "K615-HJP", "HEH-MED")]


def make_lines(count: int, seed: int, now: datetime) -> list[str]:
    from bench.search_bench import make_doc

    rng = random.Random(seed)
    lines = []
    for n in range(1, count + 1):
        doc, _ = make_doc(rng, n)
        received = now - timedelta(minutes=rng.randrange(60, 10 * 365 * 24 * 60))
        unit = rng.choice(UNITS)
        row = {"received_at": received.isoformat(), "occurred_at": (received - timedelta(hours=rng.randrange(1, 48))).isoformat(),
               "event_org": unit, "reporting_org": unit, "title": doc.title, "description": doc.fields["description"],
               "consequence": doc.fields["consequence"], "actual_consequence": rng.choice(["none", "minor"]),
               "possible_consequence": rng.choice(["minor", "serious_or_fatal"])}
        if rng.random() < 0.2:
            t_type, t_from, t_to = rng.choice(HANDOVERS)
            row.update(transition={"type": t_type, "from_org": t_from, "to_org": t_to}, event_org=t_to, reporting_org=t_to)
        bad = rng.random()
        if bad < 0.003:
            lines.append(json.dumps(row, ensure_ascii=False)[:-10])
            continue
        if bad < 0.006:
            row["title"] = ""
        elif bad < 0.01:
            row["event_org"] = "UKENDT-ORG"
        lines.append(json.dumps(row, ensure_ascii=False))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--pg-url", help="PostgreSQL database uth_bench… to drop and create instead of SQLite")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--skip-index", action="store_true",
                        help="leave the search outbox unapplied: time the import up to its commit only")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="uth-import-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    from bench import seed as seeding

    if args.pg_url:
        seeding.fresh_pg_database(args.pg_url)
    app = seeding.make_app(workdir, args.pg_url, "postgres" if args.pg_url else "whoosh")
    from sqlalchemy import event, func, select

    from uth.clock import utcnow
    from uth.deadlines.models import OverdueRecord
    from uth.extensions import db
    from uth.notifications.models import OutboxMessage
    from uth.reports.models import Case
    from uth.search.models import SearchOutbox

    now = utcnow().astimezone(timezone.utc)
    with app.app_context():
        seeding.build_region(now)
    path = workdir / "history.jsonl"
    path.write_text("\n".join(make_lines(args.reports, args.seed, now)) + "\n", encoding="utf-8")
    runner = app.test_cli_runner(mix_stderr=False) if "mix_stderr" in app.test_cli_runner.__code__.co_varnames else app.test_cli_runner()
    committed = []  # when the import's transaction committed, before the index is written (after_commit, inline)
    event.listen(db.session, "after_commit", lambda session: committed.append(time.perf_counter()), insert=True)
    if args.skip_index:
        from uth.search import indexing

        indexing.apply_safely = lambda wait: None  # the outbox rows stay (counted below)
    started = time.perf_counter()
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    elapsed = time.perf_counter() - started
    written = (committed[-1] if committed else started + elapsed) - started
    with app.app_context():
        cases = db.session.scalar(select(func.count()).select_from(Case))
        overdue = db.session.scalar(select(func.count()).select_from(OverdueRecord))
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        unindexed = db.session.scalar(select(func.count()).select_from(SearchOutbox))
    rejected = [line for line in (result.stderr if hasattr(result, "stderr") else result.output).splitlines() if line.startswith("line ")]
    print(f"import-reports on {'postgresql' if args.pg_url else 'sqlite'}: {args.reports:,} lines in {elapsed:.1f} s = "
          f"{cases / elapsed:,.0f} reports/s (committed after {written:.1f} s = {cases / written:,.0f}/s, then the "
          f"search index {elapsed - written:.1f} s); {cases:,} cases, {len(rejected)} lines rejected, {overdue:,} missed deadlines "
          f"recorded, {mails} mails queued, {unindexed:,} index updates left in the outbox; exit {result.exit_code}; {datetime.now().isoformat(timespec='minutes')}, "
          f"{os.cpu_count()} cpus")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
