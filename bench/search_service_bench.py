"""Search benchmark through the service layer: `search_cases()` on a throw-away UTH app and region.

    .venv/bin/python bench/search_service_bench.py --cases 10000 --out bench/out/search-service-whoosh-10k.json
    .venv/bin/python bench/search_service_bench.py --cases 100000 --out bench/out/search-service-whoosh-100k.json
    .venv/bin/python bench/search_service_bench.py --cases 10000 --backend postgres \
        --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_service

A production app on a temp SQLite file (or a PostgreSQL database the bench drops and creates),
migrated and with the taxonomy loaded as `uth init` does; a region with 10 hospitals and kommuner of
9 units each, a risk manager per top organisation and a central risk manager on the region. Cases
are bulk-inserted with SQLAlchemy Core (text from bench/search_bench.py's `make_doc`), the index is
built by the app's own `rebuild()`, and each timed query is one `search_cases()` call in a fresh
session, as a request makes it: scope and filters in SQL, the engine, then the page's rows re-read.
"similar cases" and "suggested event type" time `uth.search.similar` for random visible cases (SPEC §20).
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
# uth and bench.search_bench (which imports uth) are imported once bench() has set UTH_INSTANCE_DIR:
# config.py reads it, and writes a secret key there, at import.

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench_service"
QUERY_TYPES = ["rare term", "common term", "two terms", "phrase", "prefix", "common term by date", "term + filters"]
OPEN = ["new", "acknowledged", "in_progress", "awaiting_statement"]
# (status, event type group) rotated through by "term + filters": what a risk manager narrows to
FILTER_SETS = [(["closed"], "medicinering"), (OPEN, "fald"), (["closed"], "overgange")]
TOPS = [("H-NORD", "Hospital Nord", "hospital"), ("H-SYD", "Hospital Syd", "hospital"),
        ("H-OEST", "Hospital Øst", "hospital"), ("H-VEST", "Hospital Vest", "hospital"),
        ("K-101", "Aalby Kommune", "kommune"), ("K-102", "Bøgely Kommune", "kommune"),
        ("K-103", "Dalum Kommune", "kommune"), ("K-104", "Egeskov Kommune", "kommune"),
        ("K-105", "Fjordby Kommune", "kommune"), ("K-106", "Hedelund Kommune", "kommune")]
HOSPITAL_UNITS = ["Ortopædkirurgi", "Medicinsk afdeling", "Akutmodtagelse", "Geriatri", "Kardiologi",
                  "Psykiatri", "Neurologi", "Kirurgi", "Intensiv"]
KOMMUNE_UNITS = ["Hjemmepleje Nord", "Hjemmepleje Syd", "Hjemmesygepleje", "Plejecenter Solgården",
                 "Plejecenter Engen", "Genoptræning", "Akutteam", "Bosted", "Sundhedshus"]
INSERT_BATCH = 5000


def make_app(workdir: Path, backend: str, db_url: str | None):
    """A production app on its own database and index; `uth init` done in-process."""
    from uth import create_app
    from uth.extensions import db
    from uth.migrate import upgrade_head
    from uth.taxonomy.services import load_taxonomy

    app = create_app("production", {
        "SQLALCHEMY_DATABASE_URI": db_url or f"sqlite:///{workdir / 'uth.sqlite3'}",
        "UTH_INDEX_DIR": str(workdir / "index"), "UTH_SEARCH_BACKEND": backend,
        "UTH_SEARCH_APPLY": "inline", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade_head()
        load_taxonomy()
        db.session.commit()
    return app


def _pg_admin(url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database about the database the URL names, which
    must be the bench's own (never the test database)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.database in (None, "", "postgres", "uth_test", "uth"):
        raise SystemExit(f"--pg-url must name a database of the bench's own, not {target.database!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement.format(name=target.database)))
    admin.dispose()


def fresh_pg_database(url: str) -> None:
    _pg_admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}"')


def drop_pg_database(url: str) -> None:
    _pg_admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seeded_pg_database(url: str, cases: int) -> dict | None:
    """What `--reuse` finds: the load and index figures of an earlier seeding of `cases` cases, kept
    as the database's comment (written only once seeding and indexing finished), or None."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"))
    with admin.connect() as conn:
        comment = conn.execute(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                               {"n": target.database}).scalar()
    admin.dispose()
    try:
        seeded = json.loads(comment or "")
    except ValueError:
        return None
    return seeded if isinstance(seeded, dict) and seeded.get("cases") == cases else None


def mark_seeded(url: str, seeded: dict) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        comment = json.dumps(seeded).replace("'", "''")
        conn.exec_driver_sql(f'COMMENT ON DATABASE "{target.database}" IS \'{comment}\'')
    admin.dispose()


def build_region(now: datetime) -> dict:
    """Region, 10 top organisations with 9 units each, their risk managers and a central one."""
    from uth.auth.orgs import import_orgs
    from uth.auth.services import add_user, grant_role
    from uth.extensions import db

    lines = ["code,name,sector,parent,cluster", "REGION,Region Midtland,region,,"]
    for n, (code, name, sector) in enumerate(TOPS):
        cluster = f"KL-{TOPS[n % 4][0]}"  # each kommune in the forum of a hospital
        lines.append(f"{code},{name},{sector},REGION,{cluster}")
        for i, unit in enumerate(HOSPITAL_UNITS if sector == "hospital" else KOMMUNE_UNITS, 1):
            lines.append(f"{code}-{i},{name} {unit},{sector},{code},{cluster}")
    import_orgs("\n".join(lines))
    users = {}
    for code, name, _ in TOPS:
        user = add_user(f"rm-{code.lower()}@bench.example", f"Risikomanager {name}", None, now=now)
        grant_role(user, "risk_manager", code, now=now)
        users[code] = user
    central = add_user("central@bench.example", "Central risikomanager", None, now=now)
    grant_role(central, "central_risk_manager", "REGION", now=now)
    db.session.commit()
    return {"local": users[TOPS[0][0]].id, "central": central.id}


def insert_cases(count: int, seed: int) -> dict:
    """`count` cases with Core bulk inserts; ~15% cross-sector transitions with an involved org."""
    from sqlalchemy import select

    from bench.search_bench import make_doc
    from uth.auth.models import Organisation
    from uth.deadlines.rules import local_date
    from uth.extensions import db
    from uth.reports.models import Case, CaseOrg
    from uth.taxonomy.services import codes

    rng = random.Random(seed)
    orgs = {code: (oid, path, sector) for code, oid, path, sector in db.session.execute(
        select(Organisation.code, Organisation.id, Organisation.path, Organisation.sector))}
    units = {top: [orgs[f"{top}-{i}"] for i in range(1, 10)] for top, _, _ in TOPS}
    event_types = sorted(codes("event_types"))
    groups = {g: [c for c in event_types if c == g or c.startswith(g + ".")] for g in ("fald", "medicinering", "overgange")}
    transitions = sorted(codes("transition_types"))
    severities, actuals = sorted(codes("severities")), sorted(codes("actual_consequences"))
    possibles = sorted(codes("possible_consequences"))

    docs = [make_doc(rng, n)[0] for n in range(1, count + 1)]
    docs.sort(key=lambda d: d.received_at)  # case numbers run with the receipt date, per year
    last_day = docs[-1].received_at.replace(tzinfo=timezone.utc)
    seqs: dict[int, int] = {}
    cases, links = [], []
    for case_id, doc in enumerate(docs, 1):
        received = doc.received_at.replace(tzinfo=timezone.utc)
        year = local_date(received).year
        seqs[year] = seqs.get(year, 0) + 1
        top = TOPS[rng.randrange(len(TOPS))][0]
        unit_id, _, sector = rng.choice(units[top])
        title = doc.title
        group = "fald" if title.startswith("Fald") else "overgange" if title.startswith(("Manglende", "Mangelfuld")) else "medicinering"
        event_type = rng.choice(groups[group] if rng.random() < 0.85 else event_types)
        age = (last_day - received).days
        if age < 90:
            status = rng.choice(OPEN)
        else:
            status = rng.choices(["closed", "rejected", "in_progress"], [88, 7, 5])[0]
        row = {
            "id": case_id, "reference": f"UTH-{year}-{seqs[year]:06d}", "year": year, "seq": seqs[year],
            "status": status, "received_at": received, "updated_at": received + timedelta(days=min(age, 60)),
            "occurred_at": received - timedelta(hours=rng.randrange(1, 72)), "occurred_at_precision": "known",
            "reporter_kind": "staff", "statutory": True, "reporting_org_id": unit_id, "event_org_id": unit_id,
            "handling_org_id": orgs[top][0], "owning_org_id": orgs[top][0], "cross_sector": False,
            "event_type": event_type, "title": title, "description": doc.fields["description"],
            "consequence": doc.fields["consequence"], "prevention": doc.fields["prevention"],
            "actual_consequence": rng.choice(actuals), "possible_consequence": rng.choice(possibles),
            "severity": rng.choice(severities), "reporter_anonymous": rng.random() < 0.05,
            "acknowledge_by": local_date(received) + timedelta(days=3),
            "close_by": local_date(received) + timedelta(days=90),
            "acknowledged_at": received + timedelta(days=1) if status != "new" else None,
            "closed_at": received + timedelta(days=min(age, 60)) if status in ("closed", "rejected") else None,
            "transition_type": None, "transition_from_org_id": None, "transition_to_org_id": None,
        }
        if rng.random() < 0.15:  # a hand-over to another top organisation's unit: involved there
            other = rng.choice([t for t, _, _ in TOPS if t != top])
            to_id, _, to_sector = rng.choice(units[other])
            row.update(transition_type=rng.choice(transitions), transition_from_org_id=unit_id,
                       transition_to_org_id=to_id, cross_sector=to_sector != sector)
            links.append({"case_id": case_id, "org_id": to_id, "role": "involved"})
        cases.append(row)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for start in range(0, len(cases), INSERT_BATCH):
            conn.execute(Case.__table__.insert(), cases[start:start + INSERT_BATCH])
        for start in range(0, len(links), INSERT_BATCH):
            conn.execute(CaseOrg.__table__.insert(), links[start:start + INSERT_BATCH])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            conn.exec_driver_sql("ANALYZE")
    elif db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    return {"cases": len(cases), "involved_links": len(links), "insert_s": round(elapsed, 1),
            "rows_per_s": round(len(cases) / elapsed)}


def build_index(workdir: Path) -> dict:
    """The app's own rebuild, as `uth reindex` runs it."""
    from sqlalchemy import text

    from uth.extensions import db
    from uth.search.indexing import get_backend, rebuild

    backend = get_backend(fresh=True)
    started = time.perf_counter()
    counts = rebuild(backend)
    elapsed = time.perf_counter() - started
    if backend.name == "whoosh":
        size = sum(p.stat().st_size for p in (workdir / "index").iterdir() if p.is_file())
    else:
        size = db.session.scalar(text("SELECT pg_total_relation_size('search_documents')"))
    return {"backend": backend.name, "indexed": counts.get("case", 0), "rebuild_s": round(elapsed, 1),
            "docs_per_s": round(counts.get("case", 0) / elapsed), "size_mb": round(size / 1e6, 1)}


def run_queries(actor_id: int, repeats: int) -> dict:
    """Per query type: each query once to warm up, then `repeats` timed calls, each in a new session."""
    from bench.search_bench import QUERIES, percentiles
    from uth.auth.models import User
    from uth.extensions import db
    from uth.search.services import SearchFilters, search_cases

    def one(label: str, query: str, n: int) -> tuple[float, int]:
        db.session.remove()  # a new request: nothing cached in the session
        actor = db.session.get(User, actor_id)  # flask-login's user loader, outside the timing
        status, group = FILTER_SETS[n % len(FILTER_SETS)]
        filters = SearchFilters(status=status, event_type=group) if label == "term + filters" else None
        order = "date" if label.endswith("by date") else "relevance"
        started = time.perf_counter()
        total, results = search_cases(actor, query, filters, kind="case", order=order, page=1, per_page=20)
        elapsed = time.perf_counter() - started
        assert len(results) == min(total, 20), "every hit of the page must come back as a row"
        db.session.rollback()
        return elapsed, total

    results = {}
    for label in QUERY_TYPES:
        queries = QUERIES[label]
        for n, query in enumerate(queries):
            one(label, query, n)
        samples, totals = [], []
        for n in range(repeats):
            elapsed, total = one(label, queries[n % len(queries)], n // len(queries))
            samples.append(elapsed)
            totals.append(total)
        results[label] = {**percentiles(samples), "median_total": statistics.median(totals)}
    db.session.remove()
    return results


def run_similar(actor_id: int, repeats: int, seed: int) -> dict:
    """Similar cases (SPEC §20) as the case page asks: `similar_cases()` for a visible case, and the
    suggested event type (the same ranking among classified cases), each call in a new session."""

    from bench.search_bench import percentiles
    from uth.auth.models import User
    from uth.extensions import db
    from uth.reports.models import Case
    from uth.reports.visibility import visible_cases
    from uth.search.similar import similar_cases, suggested_event_type

    actor = db.session.get(User, actor_id)
    ids = list(db.session.scalars(visible_cases(actor).with_only_columns(Case.id).order_by(Case.id).limit(20_000)))
    rng = random.Random(seed)
    picks = [rng.choice(ids) for _ in range(repeats + 5)]
    db.session.remove()

    def one(call, case_id: int) -> float:
        db.session.remove()
        who = db.session.get(User, actor_id)
        case = db.session.get(Case, case_id)
        if call is suggested_event_type:
            case.event_type = None  # as for an unclassified case; never committed
        started = time.perf_counter()
        call(who, case)
        elapsed = time.perf_counter() - started
        db.session.rollback()
        return elapsed

    results = {}
    for label, call in (("similar cases", similar_cases), ("suggested event type", suggested_event_type)):
        for case_id in picks[:5]:
            one(call, case_id)
        samples = [one(call, case_id) for case_id in picks[5:]]
        results[label] = {**percentiles(samples), "median_total": 10 if call is similar_cases else 5}
    db.session.remove()
    return results


def bench(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="uth-search-service-bench-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ.setdefault("UTH_SECRET_KEY", "bench")
    db_url, seeded = None, None
    if args.backend == "postgres" or args.pg_url:
        db_url = args.pg_url or PG_URL
        seeded = seeded_pg_database(db_url, args.cases) if args.reuse else None
        if seeded is None:
            fresh_pg_database(db_url)
    elif args.reuse:
        raise SystemExit("--reuse needs a PostgreSQL database (--backend postgres)")
    try:
        app = make_app(workdir, args.backend, db_url)  # on a reused database: migrated to head
        if args.candidates:
            from uth.search import postgres_backend

            postgres_backend.CANDIDATES = args.candidates
        from uth.clock import utcnow
        from uth.extensions import db

        with app.app_context():
            if seeded is not None:
                load, index, actors = seeded["load"], seeded["index"], seeded["actors"]
                print(f"reusing {args.cases:,} cases seeded earlier in {db_url}", file=sys.stderr)
            else:
                actors = build_region(utcnow())
                load = insert_cases(args.cases, args.seed)
                print(f"inserted {load['cases']:,} cases in {load['insert_s']} s", file=sys.stderr)
                index = build_index(workdir)
                print(f"indexed {index['indexed']:,} cases in {index['rebuild_s']} s", file=sys.stderr)
                if args.reuse:
                    mark_seeded(db_url, {"cases": args.cases, "load": load, "index": index, "actors": actors})
            db.session.remove()
            queries = {}
            for who in ("local", "central"):
                queries[who] = run_queries(actors[who], args.repeats) if not args.similar_only else {}
                queries[who].update(run_similar(actors[who], args.repeats, args.seed))
            db.engine.dispose()
        from uth.search.postgres_backend import CANDIDATES

        return {"backend": args.backend, "database": "postgresql" if db_url else "sqlite", "candidates": CANDIDATES,
                "cases": args.cases, "repeats": args.repeats, "load": load, "index": index, "queries": queries}
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            if db_url and not args.reuse:
                drop_pg_database(db_url)
        else:
            print(f"kept {workdir}{' and ' + db_url if db_url else ''}", file=sys.stderr)


def print_table(result: dict) -> None:
    load, index = result["load"], result["index"]
    print(f"\n{result['backend']} on {result['database']}, {result['cases']:,} cases "
          f"({load['involved_links']:,} with an involved organisation): inserted {load['rows_per_s']:,} rows/s; "
          f"rebuild {index['docs_per_s']:,} docs/s ({index['rebuild_s']} s), index {index['size_mb']} MB"
          + (f"; {result['candidates']:,} candidates" if result["backend"] == "postgres" else ""))
    print(f"  {'actor':8} {'query (search_cases, warm)':26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'total':>8}")
    for who, rows in result["queries"].items():
        for label, row in rows.items():
            print(f"  {who:8} {label:26} {row['p50']:>8} {row['p95']:>8} {row['max']:>8} {row['median_total']!s:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--pg-url", help=f"PostgreSQL database to drop and create (postgres default: {PG_URL})")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--repeats", type=int, default=40, help="timed queries per actor and query type")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the temp database and index directory")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep the seeded database, and reuse it when an earlier --reuse run "
                             "seeded the same --cases into it (seeding 1,000,000 cases takes long)")
    parser.add_argument("--candidates", type=int,
                        help="PostgreSQL: matches counted and ranked per search (postgres_backend.CANDIDATES) for this run")
    parser.add_argument("--similar-only", action="store_true", help="time only similar cases and the suggestion")
    args = parser.parse_args()
    result = bench(args)
    print_table(result)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"run_at": datetime.now().isoformat(timespec="seconds"),
                                              "cpus": os.cpu_count(), "result": result}, indent=2))
        print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
