"""The morning queue through the real HTTP stack (gunicorn, 2 workers), beside a bare Flask GET in the same run.

    .venv/bin/python bench/queue_bench.py --cases 5000
    .venv/bin/python bench/queue_bench.py --cases 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_queue
    .venv/bin/python bench/queue_bench.py --cases 5000 --before ../main-checkout   # the code before a change, same rounds

A database seeded by bench/seed.py (the demo region, every state); the central risk manager of the
region (central@rm.demo.uth.dk) asks `GET /api/v1/cases?per_page=50&overdue=true` with a bearer
token and opens the HTML queue `/cases?overdue=true` signed in. The floor is bench/bare_app.py's
`/list` (50 rows as JSON, bare Flask + SQLAlchemy on SQLite with UTH's pragmas). On a shared machine
the load of others comes and goes, so the endpoints are measured in alternating rounds and the
ratio is taken from the same run. Beside the latencies, the CPU time the servers' workers spent per
request (from /proc): what a loaded machine stretches into latency, but does not itself change.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.submit_bench import free_port, gunicorn, wait_for, workers_cpu

CENTRAL = "central@rm.demo.uth.dk"
API = "/api/v1/cases?per_page=50&overdue=true"
HTML = "/cases?overdue=true"


def get_load(port: int, path: str, headers: dict, requests: int, concurrency: int) -> dict:
    """`requests` GETs from `concurrency` keep-alive connections: latencies of the 200s."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for _ in range(requests // concurrency):
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            bad += response.status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"elapsed": time.perf_counter() - start, "latencies": latencies, "errors": errors}


def summary(runs: list[dict]) -> dict:
    latencies = sorted(x for r in runs for x in r["latencies"])
    return {"requests": len(latencies), "errors": sum(r["errors"] for r in runs),
            "rps": len(latencies) / sum(r["elapsed"] for r in runs),
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * latencies[int(len(latencies) * 0.95) - 1],
            "cpu_ms": 1000 * sum(r["cpu"] for r in runs) / len(latencies)}


def sign_in(port: int, email: str, password: str) -> str:
    """The session cookie of a signed-in user (the login form with its CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    body = urlencode({"csrf_token": token.group(1), "email": email, "password": password})
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in answered {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def prepare(workdir: Path, cases: int, pg_url: str | None) -> dict:
    """Seed UTH's database and the bare app's; the central risk manager's token; counts."""
    from bench import seed as seeding

    if pg_url:
        seeding.fresh_pg_database(pg_url)
    app = seeding.make_app(workdir, pg_url, "postgres" if pg_url else "whoosh")
    from sqlalchemy import func, select

    from uth.auth.services import create_token, find_user
    from uth.clock import utcnow
    from uth.deadlines.rules import local_date
    from uth.extensions import db
    from uth.reports.queries import QueueFilters, queue

    with app.app_context():
        now = utcnow().astimezone(UTC)
        seeding.build_region(now)
        counts = seeding.seed(cases, now=now)
        central = find_user(CENTRAL)
        token = create_token(central, now=now)
        db.session.commit()
        _, overdue = queue(central, QueueFilters(overdue=True), today=local_date(now), per_page=1)
        from uth.reports.models import Case
        total = db.session.scalar(select(func.count()).select_from(Case))
        db.engine.dispose()
    bare = sqlite3.connect(workdir / "bare.sqlite3")
    bare.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, title VARCHAR(200), description TEXT, received_at DATETIME)")
    bare.executemany("INSERT INTO row (title, description, received_at) VALUES (?, ?, ?)",
                     [("Medicinliste ikke afstemt ved hjemkomst", "Ved hjemkomst fra hospitalet stemte medicinlisten ikke. " * 8,
                       "2026-11-20 10:00:00")] * cases)
    bare.commit()
    bare.close()
    return {"token": token, "cases": total, "overdue": overdue, "seed_s": counts["seconds"]}


def bench(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="uth-queue-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ.setdefault("UTH_SECRET_KEY", "bench")
    setup = prepare(workdir, args.cases, args.pg_url)
    print(f"seeded {setup['cases']:,} cases ({setup['overdue']:,} overdue) in {setup['seed_s']} s", file=sys.stderr)
    env = {**os.environ, "UTH_DATABASE_URL": args.pg_url or f"sqlite:///{workdir}/uth.sqlite3",
           "UTH_INDEX_DIR": f"{workdir}/index", "UTH_SEARCH_BACKEND": "postgres" if args.pg_url else "whoosh",
           "UTH_ENV": "production", "UTH_SECURE_COOKIES": "0",
           "BARE_DATABASE_URL": f"sqlite:///{workdir}/bare.sqlite3", "PYTHONPATH": str(ROOT)}
    ports = {"bare": free_port(), "uth": free_port()}
    servers = [gunicorn("bench.bare_app:app", ports["bare"], env), gunicorn("wsgi:app", ports["uth"], env)]
    if args.before:  # another checkout of UTH (the code before a change) on the same database
        ports["before"] = free_port()
        servers.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{ports['before']}", "wsgi:app"],
            cwd=args.before, env={**env, "PYTHONPATH": str(Path(args.before).resolve())},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for(ports["bare"], "/list")
        wait_for(ports["uth"], "/healthz")
        masters = {ports[name]: server.pid for name, server in zip(ports, servers)}
        targets = {"bare GET /list (floor)": (ports["bare"], "/list", {})}
        for name in ("before", "uth") if args.before else ("uth",):
            wait_for(ports[name], "/healthz")
            cookie = sign_in(ports[name], CENTRAL, "demo-password")
            label = "UTH" if name == "uth" else "before"
            targets[f"{label} GET {API}"] = (ports[name], API, {"Authorization": f"Bearer {setup['token']}"})
            targets[f"{label} GET {HTML} (HTML)"] = (ports[name], HTML, {"Cookie": cookie})
        for port, path, headers in targets.values():  # warm-up
            get_load(port, path, headers, 20, args.concurrency)
        runs: dict[str, list] = {name: [] for name in targets}
        per_round = max(args.requests // args.rounds, args.concurrency)
        for _ in range(args.rounds):  # alternate, so all meet the same load of the machine
            for name, (port, path, headers) in targets.items():
                before = workers_cpu(masters[port])
                run = get_load(port, path, headers, per_round, args.concurrency)
                # The workers' CPU per request: what the machine's load (others' work) does not change.
                runs[name].append({**run, "cpu": workers_cpu(masters[port]) - before})
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    return {"cases": setup["cases"], "overdue": setup["overdue"], "database": "postgresql" if args.pg_url else "sqlite",
            "results": {name: summary(r) for name, r in runs.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--pg-url", help="PostgreSQL database uth_bench… to drop, create and seed instead of SQLite")
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--before", metavar="DIR", help="also serve the UTH checkout in DIR (e.g. `git worktree add DIR main`) "
                                                         "on the same database, measured in the same rounds")
    args = parser.parse_args()
    result = bench(args)
    print(f"\nqueue on {result['database']}, {result['cases']:,} cases, {result['overdue']:,} overdue; "
          f"{datetime.now().isoformat(timespec='minutes')}, {os.cpu_count()} cpus")
    print(f"{'endpoint':58} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'cpu ms':>7} {'errors':>6}")
    rows = result["results"]
    for name, r in rows.items():
        print(f"{name:58} {r['rps']:7.0f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['cpu_ms']:7.2f} {r['errors']:6d}")
    floor = rows["bare GET /list (floor)"]
    for name, r in list(rows.items())[1:]:
        print(f"p95 ratio {name.split()[0] + ' ' + name.split()[2]:40} {r['p95_ms'] / floor['p95_ms']:5.1f}x the bare GET"
              f" (worker CPU per request {r['cpu_ms'] / floor['cpu_ms']:4.1f}x)")


if __name__ == "__main__":
    main()
