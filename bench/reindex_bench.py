"""`uth reindex` throughput: the app's own rebuild() over N seeded cases (bench/seed.py).

    .venv/bin/python bench/reindex_bench.py --cases 20000                      # whoosh
    .venv/bin/python bench/reindex_bench.py --cases 20000 --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_reindex

Each setting rebuilds the same database's index from scratch, aside, and swaps it in (as
`uth reindex` does); docs/s counts cases indexed per second of rebuild (reading the cases in
batches, building the documents, writing, the final merge or index build, the swap). The
machine's load average is printed beside each figure (on a shared machine compare runs of equal
load), and the process's peak RSS (seeding included).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--pg-url", help="PostgreSQL database uth_bench… to drop, create and seed instead of SQLite")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="uth-reindex-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    from bench import seed as seeding

    if args.pg_url:
        seeding.fresh_pg_database(args.pg_url)
    app = seeding.make_app(workdir, args.pg_url, "postgres" if args.pg_url else "whoosh")
    from uth.clock import utcnow
    from uth.search.indexing import get_backend, rebuild

    try:
        with app.app_context():
            now = utcnow().astimezone(UTC)
            seeding.build_region(now)
            seeding.seed(args.cases, now=now, progress=False)
            print(f"reindex of {args.cases:,} cases on {'postgresql' if args.pg_url else 'whoosh'}; "
                  f"{datetime.now().isoformat(timespec='minutes')}, {os.cpu_count()} cpus")
            label = "COPY, tsvectors and GIN index in SQL" if args.pg_url else "bulk writer, one segment"
            seeded = _peak_mb()
            for _ in range(args.rounds):
                backend = get_backend(fresh=True)
                started = time.perf_counter()
                counts = rebuild(backend)
                elapsed = time.perf_counter() - started
                print(f"  {label:44} {counts.get('case', 0) / elapsed:8,.0f} docs/s ({elapsed:.1f} s), "
                      f"load {os.getloadavg()[0]:.1f}, peak RSS {_peak_mb():,.0f} MB ({seeded:,.0f} MB after seeding)",
                      flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
