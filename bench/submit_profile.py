"""Deterministic figures for one report submission, in one process through the test client: SQL
statements, Python function calls, request-thread CPU and wall time per `POST /api/v1/reports`
(the search applier runs in its own thread, as in a worker; its CPU is shown apart), and how long
a submission holds the SQLite write gate (the mean: a rare long hold counts too): the section
concurrent submissions queue behind, so the ceiling of their throughput on SQLite is 1 / that time,
however many workers there are.

    .venv/bin/python bench/submit_profile.py [--requests 300] [--profile out.pstats] [--before DIR]

`--before DIR` runs the same in a second checkout (a child process) on a copy of the same database.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: a --before child imports its own checkout first


def measure(requests: int, profile: str | None) -> dict:
    from sqlalchemy import event

    from bench.submit_bench import REPORT
    from uth import create_app
    from uth.extensions import db

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"}
    statements = [0]
    with app.app_context():
        engine = db.engine

    held, gate_calls = _time_the_write_gate()

    def count(sql: str) -> None:  # what SQLite runs: also the statements uth.bulk gives the driver directly
        if threading.current_thread() is threading.main_thread() and not sql.lstrip().upper().startswith(_TRANSACTION):
            statements[0] += 1  # not the applier's, nor BEGIN and COMMIT

    @event.listens_for(engine, "checkout")
    def trace(dbapi_connection, *args):
        dbapi_connection.set_trace_callback(count)

    def post():
        response = client.post("/api/v1/reports", json=REPORT, headers=headers)
        assert response.status_code == 201, response.data

    for _ in range(50):  # warm-up
        post()
    time.sleep(1.0)
    applier_before = _applier_cpu()
    statements[0] = 0
    held.clear()
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(requests):
        post()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    n_statements = statements[0]
    gate_ms = 1000 * statistics.mean(held) if held else 0.0
    time.sleep(1.5)
    applier = _applier_cpu() - applier_before
    profiler = cProfile.Profile()
    calls_runs = 50
    profiler.enable()
    for _ in range(calls_runs):
        post()
    profiler.disable()
    if profile:
        profiler.dump_stats(profile)
    import pstats

    calls = pstats.Stats(profiler).total_calls
    gate_calls.append(0)  # counting from here on: the Python calls made while the gate is held
    for _ in range(calls_runs):
        post()
    return {"statements": n_statements / requests, "calls": calls / calls_runs, "cpu_ms": 1000 * cpu / requests,
            "wall_ms": 1000 * wall / requests, "applier_cpu_ms": 1000 * applier / requests,
            "gate_ms": gate_ms, "gate_calls": gate_calls[0] / calls_runs}


_TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _time_the_write_gate() -> tuple[list[float], list[int]]:
    """How long each submission holds the SQLite write gate (taken in `submit_report`, given back by
    `uth.extensions._release_gate`): the part of a submission other workers queue behind; and, once
    the second list is given a 0, the Python calls made in that part (a figure the machine's load
    does not sway)."""
    from uth import extensions
    from uth.reports import services

    held: list[float] = []
    calls: list[int] = []
    taken = {}

    def count(frame, event, arg):
        if event in ("call", "c_call"):
            calls[0] += 1
    take, release = services.sqlite_write_gate, extensions._release_gate

    def timed_take():
        take()
        taken.setdefault("at", time.perf_counter())
        if calls:
            sys.setprofile(count)

    def timed_release(session, *args):
        released = release(session, *args)
        if "at" in taken and extensions.WRITE_GATE not in session.info:
            held.append(time.perf_counter() - taken.pop("at"))
            if calls:
                sys.setprofile(None)
        return released

    services.sqlite_write_gate, extensions._release_gate = timed_take, timed_release  # before its first use registers it
    return held, calls


def _applier_cpu() -> float:
    """CPU seconds of this process's threads other than the main one (the search applier)."""
    total = 0.0
    main = threading.main_thread().native_id
    for task in os.scandir(f"/proc/{os.getpid()}/task"):
        if int(task.name) == main:
            continue
        fields = Path(task.path, "stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile")
    parser.add_argument("--before", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.requests, args.profile)))
        return
    from bench.submit_bench import setup_uth

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "UTH_INSTANCE_DIR": tmp, "UTH_DATABASE_URL": f"sqlite:///{tmp}/uth.sqlite3",
               "UTH_INDEX_DIR": f"{tmp}/index", "UTH_SECRET_KEY": "bench", "UTH_ENV": "production",
               "UTH_SECURE_COOKIES": "0", "PYTHONPATH": str(ROOT)}
        token, _ = setup_uth(env)
        runs = [("after", ROOT, env)]
        if args.before:
            shutil.copy(f"{tmp}/uth.sqlite3", f"{tmp}/before.sqlite3")
            if os.path.isdir(f"{tmp}/index"):
                shutil.copytree(f"{tmp}/index", f"{tmp}/before-index")
            runs.insert(0, ("before", args.before.resolve(), {**env, "UTH_DATABASE_URL": f"sqlite:///{tmp}/before.sqlite3",
                                                              "UTH_INDEX_DIR": f"{tmp}/before-index"}))
        for name, root, run_env in runs:
            command = [sys.executable, str(ROOT / "bench" / "submit_profile.py"), "--child", "--requests", str(args.requests)]
            if args.profile and name == "after":
                command += ["--profile", args.profile]
            out = subprocess.run(command, cwd=root, env={**run_env, "PYTHONPATH": f"{root}:{ROOT}", "BENCH_TOKEN": token},
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{name:7} statements {r['statements']:.1f}  calls {r['calls']:,.0f}  request CPU {r['cpu_ms']:.2f} ms  "
                  f"wall {r['wall_ms']:.2f} ms  applier CPU {r['applier_cpu_ms']:.2f} ms/report  "
                  f"write gate held {r.get('gate_ms', 0):.2f} ms, {r.get('gate_calls', 0):,.0f} calls  "
                  f"load {Path('/proc/loadavg').read_text().split()[0]}")


if __name__ == "__main__":
    main()
