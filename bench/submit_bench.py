"""Report submission throughput through the real HTTP stack (gunicorn, 2 workers) against a bare
Flask + SQLAlchemy insert endpoint, measured in the same run on the same machine.

    .venv/bin/python bench/submit_bench.py [--requests 2000] [--concurrency 8] [--rounds 4] [--before DIR]

Both servers use SQLite in WAL mode with synchronous=FULL (UTH's durability setting). A third run is
UTH with the audit hash chain switched off (bench/unchained_app.py, on a copy of the same fresh
database): what the chain costs submission (issue 13). `--before DIR` also serves a second checkout
(the code before a change) in the same run, on a database it makes itself (its own migrations'
schema). Beside req/s: the workers' CPU time per request (from /proc, the search applier's rounds
included), less swayed by the machine's load.
All servers run at once and take turns (`--rounds`, each a share of the requests): this machine's
speed drifts by a third within a minute, and a run of each server after the other measured that
drift as much as the code (the same code 0.27–0.56 of the floor in consecutive runs). The ratio is
over all rounds, with the lowest and highest round's beside it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
REPORT = {
    "occurred_at": "2026-11-20T10:00:00+01:00", "event_org": "K-HJ",
    "title": "Medicinliste ikke afstemt ved hjemkomst",
    "description": "Ved hjemkomst fra hospitalet stemte medicinlisten i FMK ikke med den medicin, borgeren havde med hjem. " * 3,
    "actual_consequence": "minor", "possible_consequence": "serious_or_fatal",
    "transition": {"type": "medicin.fmk", "from_org": "H", "to_org": "K-HJ"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def load(port: int, path: str, body: dict, headers: dict, requests: int, concurrency: int) -> dict:
    """Send `requests` POSTs from `concurrency` keep-alive connections; throughput and latencies."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = requests // concurrency
    payload = json.dumps(body)

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        for _ in range(per_thread):
            start = time.perf_counter()
            conn.request("POST", path, body=payload, headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            bad += response.status != 201
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - start}


def summary(parts: list[dict]) -> dict:
    """Throughput and latencies over the rounds of one server's load."""
    latencies = sorted(latency for part in parts for latency in part["latencies"])
    return {"requests": len(latencies), "errors": sum(part["errors"] for part in parts),
            "rps": len(latencies) / sum(part["elapsed"] for part in parts),
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * latencies[int(len(latencies) * 0.95) - 1],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1]}


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) the gunicorn master's workers have used so far."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid; utime and stime are fields 14 and 15 of stat
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def gunicorn(app: str, port: int, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
    return subprocess.Popen([str(Path(PY).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app],
                            cwd=cwd, env={**env, "PYTHONPATH": str(cwd)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def searchable_probe(port: int, submit_headers: dict, search_headers: dict, stop: threading.Event,
                     out: list[float]) -> None:
    """While the load runs: submit a report with a word of its own, then search for it until found.
    The time from the 201 to the first search that finds it is the submit-to-searchable latency."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = 0
    while not stop.is_set():
        n += 1
        word = f"probeord{n:05d}x"
        report = {**REPORT, "title": f"Probe {word}", "description": f"{REPORT['description']} {word}"}
        conn.request("POST", "/api/v1/reports", body=json.dumps(report),
                     headers={"Content-Type": "application/json", **submit_headers})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            continue
        submitted = time.perf_counter()
        while time.perf_counter() - submitted < 30:
            conn.request("GET", f"/api/v1/search?q={word}", headers=search_headers)
            found = conn.getresponse()
            total = json.loads(found.read()).get("total") if found.status == 200 else 0
            if total:
                out.append(time.perf_counter() - submitted)
                break
            time.sleep(0.05)
        stop.wait(0.5)


def setup_uth(env: dict, cwd: Path = ROOT) -> tuple[str, str]:
    """A fresh UTH database (the checkout in `cwd`: its own migrations) with a kommune, a carer who
    reports and a risk manager who searches; returns their API tokens."""
    flask = [str(Path(PY).parent / "flask"), "--app", "wsgi", "uth"]
    env = {**env, "PYTHONPATH": str(cwd)}
    subprocess.run(flask + ["init"], cwd=cwd, env=env, check=True, capture_output=True)
    orgs = Path(env["UTH_INSTANCE_DIR"]) / "orgs.csv"
    orgs.write_text("code,name,sector,parent,cluster\nH,Hospital,hospital,,\nK,Kommune,kommune,,\nK-HJ,Hjemmepleje,kommune,K,\n")
    subprocess.run(flask + ["import-orgs", str(orgs)], cwd=cwd, env=env, check=True, capture_output=True)
    for email, role, scope in (("rm@k.dk", "risk_manager", "K"), ("carer@k.dk", "reporter", "K-HJ")):
        subprocess.run(flask + ["add-user", email, "--name", email, "--password-stdin"], cwd=cwd, env=env, input=b"bench-password-1\n", check=True, capture_output=True)
        subprocess.run(flask + ["grant", email, role, scope], cwd=cwd, env=env, check=True, capture_output=True)
    tokens = [subprocess.run(flask + ["create-token", email], cwd=cwd, env=env, check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1] for email in ("carer@k.dk", "rm@k.dk")]
    return tokens[0], tokens[1]


UTH = "UTH POST /api/v1/reports"
UNCHAINED = "UTH, audit chain off (bench)"
BEFORE = "UTH before (--before)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="turns each server takes, the load split between them")
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change, served in the same run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "UTH_INSTANCE_DIR": tmp, "UTH_DATABASE_URL": f"sqlite:///{tmp}/uth.sqlite3",
               "UTH_INDEX_DIR": f"{tmp}/index", "UTH_SECRET_KEY": "bench", "UTH_ENV": "production", "UTH_SECURE_COOKIES": "0",
               "BARE_DATABASE_URL": f"sqlite:///{tmp}/bare.sqlite3", "PYTHONPATH": str(ROOT)}
        token, rm_token = setup_uth(env)

        def copy(name: str) -> dict:  # the same fresh database and index (the CLI left no WAL)
            shutil.copy(f"{tmp}/uth.sqlite3", f"{tmp}/{name}.sqlite3")
            if os.path.isdir(f"{tmp}/index"):
                shutil.copytree(f"{tmp}/index", f"{tmp}/{name}-index")
            return {**env, "UTH_DATABASE_URL": f"sqlite:///{tmp}/{name}.sqlite3", "UTH_INDEX_DIR": f"{tmp}/{name}-index"}

        unchained = copy("unchained")
        results, searchable = {}, {}
        submit = {"Authorization": f"Bearer {token}"}
        searcher = {UTH: rm_token, UNCHAINED: rm_token}
        runs = [("bare insert", "bench.bare_app:app", "/insert", {}, env, ROOT),
                (UTH, "wsgi:app", "/api/v1/reports", submit, env, ROOT)]
        if args.before:  # on a database of its own making: the schema of its own migrations
            os.mkdir(f"{tmp}/before")
            before = {**env, "UTH_INSTANCE_DIR": f"{tmp}/before", "UTH_DATABASE_URL": f"sqlite:///{tmp}/before/uth.sqlite3",
                      "UTH_INDEX_DIR": f"{tmp}/before/index"}
            before_token, searcher[BEFORE] = setup_uth(before, args.before.resolve())
            runs.append((BEFORE, "wsgi:app", "/api/v1/reports", {"Authorization": f"Bearer {before_token}"}, before,
                         args.before.resolve()))
        runs.append((UNCHAINED, "bench.unchained_app:app", "/api/v1/reports", submit, unchained, ROOT))
        servers = {}
        try:
            for name, app, path, headers, app_env, cwd in runs:
                port = free_port()
                servers[name] = (gunicorn(app, port, app_env, cwd), port, path, headers, app)
                wait_for(port, "/" if app.startswith("bench.bare") else "/healthz")
                load(port, path, REPORT, headers, min(200, args.requests), args.concurrency)  # warm-up
            time.sleep(1.5)  # the warm-ups' last applier rounds
            parts = {name: [] for name in servers}
            cpu = dict.fromkeys(servers, 0.0)
            for turn in range(args.rounds):  # the servers take turns, so a drift of the machine's speed meets all
                names = list(servers)
                for name in names[turn % len(names):] + names[:turn % len(names)]:
                    server, port, path, headers, _ = servers[name]
                    before_cpu = workers_cpu(server.pid)
                    parts[name].append(load(port, path, REPORT, headers, args.requests // args.rounds, args.concurrency))
                    time.sleep(1.5)  # the load's last applier round, in the CPU it costs
                    cpu[name] += workers_cpu(server.pid) - before_cpu
            for name in servers:
                results[name] = summary(parts[name])
                results[name]["cpu_ms"] = 1000 * cpu[name] / results[name]["requests"]
                results[name]["load"] = Path("/proc/loadavg").read_text().split()[0]
                results[name]["rounds"] = [len(part["latencies"]) / part["elapsed"] for part in parts[name]]
            for name, (server, port, path, headers, app) in servers.items():
                if app == "wsgi:app":  # then the same load again, with a probe searching (its searches cost too)
                    stop = threading.Event()
                    searchable[name] = []
                    probe = threading.Thread(target=searchable_probe, args=(
                        port, headers, {"Authorization": f"Bearer {searcher[name]}"}, stop, searchable[name]))
                    probe.start()
                    load(port, path, REPORT, headers, args.requests, args.concurrency)
                    stop.set()
                    probe.join()
        finally:
            for server, *_ in servers.values():
                server.terminate()
                server.wait(60)
    print(f"{'endpoint':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU ms':>7} {'load':>5}")
    for name, r in results.items():
        print(f"{name:32} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d} "
              f"{r['cpu_ms']:7.1f} {r['load']:>5}")
    def ratios(name: str) -> str:
        each = [mine / bare for mine, bare in zip(results[name]["rounds"], results["bare insert"]["rounds"])]
        return f"{results[name]['rps'] / results['bare insert']['rps']:.2f} (rounds {min(each):.2f}–{max(each):.2f})"

    print(f"ratio UTH / bare: {ratios(UTH)}" + (f"; before: {ratios(BEFORE)}" if BEFORE in results else ""))
    print(f"audit chain: UTH with it / without it: {results[UTH]['rps'] / results[UNCHAINED]['rps']:.2f} "
          f"(without it / bare: {results[UNCHAINED]['rps'] / results['bare insert']['rps']:.2f})")
    for name, times in searchable.items():
        if times:
            times.sort()
            print(f"{name}: submit to searchable under this load: {len(times)} probes, p50 "
                  f"{1000 * statistics.median(times):.0f} ms, p95 {1000 * times[int(len(times) * 0.95) - 1]:.0f} ms, "
                  f"max {1000 * times[-1]:.0f} ms")


if __name__ == "__main__":
    main()
