"""Worker memory under a morning's mixed load (issue 16: keep a worker's RSS ≤ 150 MB).

    .venv/bin/python bench/worker_rss_bench.py --cases 5000
    .venv/bin/python bench/worker_rss_bench.py --cases 100000 --requests 4000

A database seeded by bench/seed.py (the demo region, every state) with its search index built;
gunicorn with 2 workers, as `make run` serves. Each round of the load is what a morning looks like:
the central risk manager's queue (API and HTML), case pages by reference (API), a search, similar
cases, and a nurse's report submission. The resident set (VmRSS) and its peak (VmHWM) of each worker
is read from /proc before the load, after the warm-up and at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queue_bench import API, CENTRAL, HTML, get_load, sign_in  # noqa: E402
from bench.submit_bench import REPORT, free_port, gunicorn, load, wait_for  # noqa: E402

NURSE = "sygeplejerske@auh.demo.uth.dk"
WORDS = ("medicin", "epikrise", "fald", "hjemmepleje", "insulin", "udskrivelse")


def prepare(workdir: Path, cases: int) -> dict:
    """Seed the database and build its index; tokens of the central risk manager and a nurse, and
references of cases the central risk manager may open."""
    from bench import seed as seeding

    app = seeding.make_app(workdir, None, "whoosh")
    from uth.auth.services import create_token, find_user
    from uth.clock import utcnow
    from uth.extensions import db
    from uth.reports.models import Case
    from uth.reports.visibility import visible_cases
    from uth.search.indexing import get_backend, rebuild

    with app.app_context():
        now = utcnow().astimezone(UTC)
        seeding.build_region(now)
        seeding.seed(cases, now=now)
        tokens = {email: create_token(find_user(email), now=now) for email in (CENTRAL, NURSE)}
        db.session.commit()
        rebuild(get_backend(fresh=True))
        query = visible_cases(find_user(CENTRAL)).with_only_columns(Case.reference).order_by(Case.id).limit(2000)
        references = list(db.session.scalars(query))
        db.engine.dispose()
    return {"tokens": tokens, "references": references}


def workers(master_pid: int) -> list[int]:
    """The pids of gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def memory(pids: list[int]) -> list[dict]:
    """VmRSS and VmHWM (peak) of each process, in MB."""
    out = []
    for pid in pids:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        out.append({key: int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=2000, help="requests in all, spread over the kinds")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="uth-rss-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ.setdefault("UTH_SECRET_KEY", "bench")
    started = time.perf_counter()
    setup = prepare(workdir, args.cases)
    print(f"seeded and indexed {args.cases:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    env = {**os.environ, "UTH_DATABASE_URL": f"sqlite:///{workdir}/uth.sqlite3", "UTH_INDEX_DIR": f"{workdir}/index",
           "UTH_SEARCH_BACKEND": "whoosh", "UTH_ENV": "production", "UTH_SECURE_COOKIES": "0", "PYTHONPATH": str(ROOT)}
    port = free_port()
    server = gunicorn("wsgi:app", port, env)
    rng = random.Random(20261202)
    try:
        wait_for(port, "/healthz")
        pids = workers(server.pid)
        at_start = memory(pids)
        central = {"Authorization": f"Bearer {setup['tokens'][CENTRAL]}"}
        nurse = {"Authorization": f"Bearer {setup['tokens'][NURSE]}"}
        cookie = {"Cookie": sign_in(port, CENTRAL, "demo-password")}
        rounds = 5

        def one_round(count: int) -> dict:
            reference = rng.choice(setup["references"])
            return {
                "queue API": get_load(port, API, central, count, args.concurrency),
                "queue HTML": get_load(port, HTML, cookie, count, args.concurrency),
                "case API": get_load(port, f"/api/v1/cases/{reference}", central, count, args.concurrency),
                "search API": get_load(port, f"/api/v1/search?q={quote(rng.choice(WORDS))}", central, count, args.concurrency),
                "similar API": get_load(port, f"/api/v1/cases/{reference}/similar", central, count, args.concurrency),
                "submit API": load(port, "/api/v1/reports", {**REPORT, "event_org": "AUH-MED-M1",
                                                             "transition": {"type": "udskrivelse", "from_org": "AUH-MED-M1",
                                                                            "to_org": "K751-HJN"}},
                                   nurse, count, args.concurrency),
            }

        one_round(20)  # warm-up
        warm = memory(pids)
        runs: dict[str, list] = {}
        for _ in range(rounds):
            for name, run in one_round(max(args.requests // (6 * rounds), args.concurrency)).items():
                runs.setdefault(name, []).append(run)
        end = memory(pids)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.cases:,} cases, gunicorn 2 workers, {rounds} rounds of {len(runs)} kinds")
    print(f"{'kind':14} {'requests':>8} {'errors':>7} {'p50 ms':>8}")
    for name, kind_runs in runs.items():
        if "latencies" in kind_runs[0]:
            latencies = [x for r in kind_runs for x in r["latencies"]]
            print(f"{name:14} {len(latencies):8d} {sum(r['errors'] for r in kind_runs):7d}"
                  f" {1000 * statistics.median(latencies):8.1f}")
        else:
            print(f"{name:14} {sum(r['requests'] for r in kind_runs):8d} {sum(r['errors'] for r in kind_runs):7d}"
                  f" {sum(r['p50_ms'] for r in kind_runs) / len(kind_runs):8.1f}")
    for label, figures in (("started", at_start), ("warmed up", warm), ("after the load", end)):
        print(f"worker RSS {label:15}: " + ", ".join(f"{m['VmRSS']:.0f} MB (peak {m['VmHWM']:.0f})" for m in figures))


if __name__ == "__main__":
    main()
