"""Seed a UTH database with N realistic cases, fast (SQLAlchemy Core bulk inserts).

    .venv/bin/python bench/seed.py --cases 5000 --dir /tmp/uth-seed            # SQLite in /tmp/uth-seed
    .venv/bin/python bench/seed.py --cases 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:54329/uth_bench

What it builds, as `uth init` + `uth demo` would, then the cases in bulk:
- the demo region's organisation tree, clusters and users of every role (uth/demo.py; password
  `demo-password`), no sample cases;
- N cases over ten years before `now`, in every state: the last ~4 months mostly open (new,
  acknowledged, in progress, awaiting a statement), older ones closed or rejected with ~4% still
  open (the overdue backlog); deadlines as the rules set them (acknowledge_by in working days,
  close_by 90 days), Danish narratives (bench/search_bench.py's sentences), cross-sector transitions
  with the involved organisation linked, assignees, statements (unanswered on the cases awaiting one),
  the case history (case_events) and the audit rows (audit_entries) of each step, and the reference
  counters so new reports continue the numbering.

The search index is not built here (`uth reindex`, or `--index`). `seed()` is what the other
benchmarks call inside their own app context.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5000
OPEN = ["new", "acknowledged", "in_progress", "awaiting_statement"]
YEARS = 10
QUESTIONS = ["Kan I beskrive, hvordan overleveringen foregik hos jer?",
             "Hvilke oplysninger modtog I ved overgangen, og hvornår?",
             "Hvordan blev medicinlisten afstemt hos jer?"]
ANSWERS = ["Vi modtog ingen epikrise, før borgeren var hjemme.",
           "Medicinlisten blev afstemt dagen efter; ændringen var ikke synlig i FMK."]
CONCLUSION = "Overleveringen manglede oplysninger, som modtageren havde brug for."
LEARNING = "Oplysningerne sendes med ved overgangen, og modtageren bekræfter modtagelsen."
# (actual, possible) consequences a report can give (reports/severity.py's matrix), weighted in seed().
CONSEQUENCES = [("none", "none"), ("none", "minor"), ("none", "serious_or_fatal"), ("minor", "minor"),
                ("minor", "serious_or_fatal"), ("serious", None)]
# Which top organisation's risk managers handle a case that happened in a unit (the demo's routing).
HANDLERS = ("AUH", "RHG", "HEH", "PRM", "PRE", "PRAKSIS", "K751", "K657", "K615", "APO-LOVE", "APO-HER")


def make_app(workdir: Path, db_url: str | None, backend: str = "whoosh"):
    """A production app on its own database and index, migrated with the taxonomy loaded (`uth init`);
    index updates after commit in the background, as in production."""
    os.environ.setdefault("UTH_INSTANCE_DIR", str(workdir / "instance"))
    os.environ.setdefault("UTH_SECRET_KEY", "bench")
    from uth import create_app
    from uth.extensions import db
    from uth.migrate import upgrade_head
    from uth.taxonomy.services import load_taxonomy

    app = create_app("production", {
        "SQLALCHEMY_DATABASE_URI": db_url or f"sqlite:///{workdir / 'uth.sqlite3'}",
        "UTH_INDEX_DIR": str(workdir / "index"), "UTH_SEARCH_BACKEND": backend, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade_head()
        load_taxonomy()
        db.session.commit()
    return app


def fresh_pg_database(url: str) -> None:
    """Drop and create the database the URL names, which must be a bench database of its own."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.database in (None, "", "postgres", "uth_test", "uth") or not target.database.startswith("uth_bench"):
        raise SystemExit(f"--pg-url must name a database uth_bench…, not {target.database!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def build_region(now: datetime) -> dict:
    """The demo region's organisations, clusters and users (no sample cases); {email: user id}."""
    from uth import demo
    from uth.auth.orgs import get_or_create_cluster, import_orgs
    from uth.auth.services import add_user, find_user, grant_role
    from uth.extensions import db

    import_orgs(demo.ORGS_CSV)
    for code, name in demo.CLUSTERS.items():
        get_or_create_cluster(code, name)
    users = {}
    for email, name, grants in demo.USERS:
        user = find_user(email) or add_user(email, name, demo.DEMO_PASSWORD, now=now)
        for role, scope in grants:
            grant_role(user, role, scope, now=now)
        users[email] = user.id
    db.session.commit()
    return users


class _Rows:
    """Rows per table, flushed to the database in batches (cases first: the others refer to them)."""

    def __init__(self, conn, tables: dict):
        self.conn, self.tables = conn, tables
        self.rows = {name: [] for name in tables}
        self.counts = dict.fromkeys(tables, 0)

    def add(self, name: str, row: dict) -> None:
        self.rows[name].append(row)
        if name == "cases" and len(self.rows["cases"]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for name, table in self.tables.items():  # dict order: cases before the rows naming them
            if self.rows[name]:
                self.conn.execute(table.insert(), self.rows[name])
                self.counts[name] += len(self.rows[name])
                self.rows[name] = []


def _step(out: _Rows, case: tuple, action: str, at: datetime, actor_id, label: str, detail: dict) -> None:
    """One step of a case's handling: its history entry and its audit row, as handling/actions.py writes them."""
    case_id, reference, org_id = case
    out.add("case_events", {"case_id": case_id, "at": at, "actor_id": actor_id, "action": action, "detail": detail})
    out.add("audit_entries", {
        "at": at, "actor_id": actor_id, "actor_label": label,
        "action": "case.created" if action == "submitted" else f"case.{action}", "object_type": "case",
        "object_id": case_id, "case_id": case_id, "org_id": org_id, "detail": {"reference": reference},
        "ip": None, "purpose": None})


def seed(count: int, *, now: datetime, seed: int = 20261202, progress: bool = True) -> dict:
    """Insert `count` cases into the app's database (inside an app context, region built); counts."""
    from sqlalchemy import func, select

    from bench.search_bench import make_doc
    from uth.audit.models import AuditEntry
    from uth.auth.models import Grant, Organisation, User
    from uth.deadlines.rules import acknowledge_by, local_date, respond_by
    from uth.extensions import db
    from uth.reports.models import Case, CaseEvent, CaseOrg, ReferenceCounter, Statement
    from uth.reports.severity import severity
    from uth.taxonomy.services import codes

    rng = random.Random(seed)
    orgs = {code: (oid, path, sector) for code, oid, path, sector in db.session.execute(
        select(Organisation.code, Organisation.id, Organisation.path, Organisation.sector))}
    by_id = {oid: code for code, (oid, _, _) in orgs.items()}
    top_of = {code: next((h for h in HANDLERS if code == h or code.startswith(h + "-")), code) for code in orgs}
    units = [c for c in orgs if c not in ("RM", "PRAKSIS") and top_of[c] in HANDLERS]
    # Risk managers per handling organisation (by their grant's scope), for assignees and actors.
    handlers: dict[str, list[tuple[int, str]]] = {}
    for user_id, email, org_id in db.session.execute(
            select(User.id, User.email, Grant.org_id).join(Grant, Grant.user_id == User.id)
            .where(Grant.role == "risk_manager")):
        handlers.setdefault(by_id.get(org_id), []).append((user_id, email))
    event_types = sorted(codes("event_types"))
    transitions = sorted(codes("transition_types"))
    ncc = ["A", "B", "C", "D", "E"]

    counters = dict(db.session.execute(select(ReferenceCounter.year, ReferenceCounter.last)).all())
    first_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    span = YEARS * 365 * 24 * 60
    received_list = sorted(now - timedelta(minutes=rng.randrange(30, span)) for _ in range(count))
    ack_cache: dict = {}

    def ack(received: datetime):
        day = local_date(received)
        if day not in ack_cache:
            ack_cache[day] = acknowledge_by(received)
        return ack_cache[day]

    tables = {"cases": Case.__table__, "case_orgs": CaseOrg.__table__, "statements": Statement.__table__,
              "case_events": CaseEvent.__table__, "audit_entries": AuditEntry.__table__}
    started = time.perf_counter()
    with db.engine.begin() as conn:
        out = _Rows(conn, tables)
        for n, received in enumerate(received_list):
            case_id = first_id + n
            doc, _ = make_doc(rng, case_id)
            year = local_date(received).year
            counters[year] = counters.get(year, 0) + 1
            reference = f"UTH-{year}-{counters[year]:06d}"
            unit = rng.choice(units)
            top = top_of[unit]
            age = (now - received).days
            if age < 120:
                status = rng.choices(OPEN + ["closed", "rejected"], [30, 20, 25, 10, 12, 3])[0]
                if age < 2:
                    status = "new"
            else:
                status = rng.choices(["closed", "rejected", "in_progress", "acknowledged", "awaiting_statement", "new"],
                                     [89, 7, 2, 1, 0.5, 0.5])[0]
            team = handlers.get(top) or handlers.get("RM") or [(None, "system")]
            rm_id, rm_email = rng.choice(team)
            actual, possible = rng.choices(CONSEQUENCES, [30, 15, 25, 20, 7, 3])[0]
            row = {
                "id": case_id, "reference": reference, "year": year, "seq": counters[year], "status": status,
                "received_at": received, "updated_at": received, "occurred_at": received - timedelta(hours=rng.randrange(1, 72)),
                "occurred_at_precision": "known", "reporter_kind": "public" if rng.random() < 0.03 else "staff",
                "statutory": True, "reporting_org_id": orgs[unit][0], "event_org_id": orgs[unit][0],
                "handling_org_id": orgs[top][0], "owning_org_id": orgs[top][0], "routing_rule_id": None,
                "transition_type": None, "transition_from_org_id": None, "transition_to_org_id": None,
                "cross_sector": False, "event_type": rng.choice(event_types) if rng.random() < 0.85 else None,
                "title": doc.title, "description": doc.fields["description"], "consequence": doc.fields["consequence"],
                "prevention": doc.fields["prevention"], "actual_consequence": actual,
                "possible_consequence": possible, "severity": severity(actual, possible),
                "ncc_merp": rng.choice(ncc) if rng.random() < 0.2 else None, "sac": None,
                "medication": None, "device": None, "patient_cpr": None, "patient_name": None,
                "reporter_user_id": None, "reporter_name": "Sofie Sygeplejerske", "reporter_email": None,
                "reporter_phone": None, "reporter_profession": "sygeplejerske",
                "reporter_anonymous": rng.random() < 0.05, "assignee_id": None,
                "acknowledge_by": ack(received), "close_by": local_date(received) + timedelta(days=90),
                "acknowledged_at": None, "closed_at": None, "conclusion": None, "learning": None,
                "feedback": None, "reject_reason": None, "reject_comment": None, "duplicate_of_id": None,
                "anonymised_at": None, "receipt_hash": None, "next_due_on": None,
            }
            involved = None
            if rng.random() < 0.2:  # a hand-over to another organisation: involved there, statements asked there
                other = rng.choice([u for u in units if top_of[u] != top])
                involved = orgs[other][0]
                row.update(transition_type=rng.choice(transitions), transition_from_org_id=orgs[unit][0],
                           transition_to_org_id=involved, cross_sector=orgs[other][2] != orgs[unit][2])
                out.add("case_orgs", {"case_id": case_id, "org_id": involved, "role": "involved"})

            def step(action: str, at: datetime, actor_id, label: str, case=(case_id, reference, orgs[top][0]), **detail):
                _step(out, case, action, at, actor_id, label, detail)

            step("submitted", received, None, "reporter", public=row["reporter_kind"] == "public", handling_org=top)
            at = received
            if status != "new":
                at = received + timedelta(hours=rng.randrange(2, 60))
                row["acknowledged_at"] = at
                step("acknowledge", at, rm_id, rm_email)
            if status in ("in_progress", "awaiting_statement", "closed") and rm_id is not None:
                at += timedelta(hours=rng.randrange(1, 48))
                row["assignee_id"] = rm_id
                step("assign", at, rm_id, rm_email, assignee=rm_email, acknowledged=False)
            asks = status == "awaiting_statement" or (status in ("in_progress", "closed") and rng.random() < 0.15)
            if asks:
                asked = at + timedelta(hours=rng.randrange(1, 72))
                answered = status != "awaiting_statement"
                org_id = involved or orgs[rng.choice(units)][0]
                out.add("statements", {
                    "case_id": case_id, "org_id": org_id, "question": rng.choice(QUESTIONS), "requested_at": asked,
                    "requested_by_id": rm_id, "respond_by": respond_by(asked),
                    "answer": rng.choice(ANSWERS) if answered else None,
                    "answered_at": asked + timedelta(days=rng.randrange(1, 12)) if answered else None,
                    "answered_by_id": None})
                step("request_statement", asked, rm_id, rm_email, org=by_id[org_id])
                at = asked + timedelta(days=12) if answered else asked
            if status == "closed":
                at += timedelta(days=rng.randrange(5, 80))
                row.update(closed_at=at, conclusion=CONCLUSION, learning=LEARNING,
                           feedback="Tak for din indberetning. Sagen er nu gennemgået og afsluttet af risikomanageren.")
                step("close", at, rm_id, rm_email)
            elif status == "rejected":
                at += timedelta(days=rng.randrange(1, 10))
                row.update(closed_at=at, reject_reason="not_an_adverse_event",
                           reject_comment="Hændelsen er ikke en utilsigtet hændelse.")
                step("reject", at, rm_id, rm_email, reason="not_an_adverse_event")
            if status in OPEN:  # as reports.services.refresh_next_due
                dues = [row["acknowledge_by"] if status == "new" else row["close_by"], row["close_by"]]
                if asks and not answered:
                    dues.append(respond_by(asked))
                row["next_due_on"] = min(dues)
            row["updated_at"] = min(at, now)
            out.add("cases", row)
            if progress and (n + 1) % 50_000 == 0:
                print(f"  {n + 1:,} cases ({(n + 1) / (time.perf_counter() - started):,.0f}/s)", file=sys.stderr)
        out.flush()
        counter = ReferenceCounter.__table__
        existing = set(conn.execute(select(counter.c.year)).scalars())
        for year, last in counters.items():
            if year in existing:
                conn.execute(counter.update().where(counter.c.year == year).values(last=last))
            else:
                conn.execute(counter.insert().values(year=year, last=last))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            for table in ("cases", "case_orgs", "statements", "case_events", "audit_entries"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT coalesce(max(id), 1) FROM {table}))")
        conn.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    return {**out.counts, "seconds": round(elapsed, 1), "cases_per_s": round(count / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--dir", help="directory for the SQLite database, instance and index (default: a new temp dir)")
    parser.add_argument("--pg-url", help="PostgreSQL database uth_bench… to drop, create and seed instead of SQLite")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--index", action="store_true", help="build the search index afterwards (uth reindex)")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="uth-seed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.pg_url:
        fresh_pg_database(args.pg_url)
    app = make_app(workdir, args.pg_url, "postgres" if args.pg_url else "whoosh")
    from uth.clock import utcnow

    with app.app_context():
        now = utcnow().astimezone(UTC)
        build_region(now)
        counts = seed(args.cases, now=now, seed=args.seed)
        print(f"seeded {args.cases:,} cases in {counts['seconds']} s ({counts['cases_per_s']:,}/s): "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k not in ("seconds", "cases_per_s")))
        if args.index:
            from uth.search.indexing import get_backend, rebuild
            started = time.perf_counter()
            done = rebuild(get_backend(fresh=True))
            print(f"indexed {done} in {time.perf_counter() - started:.1f} s")
    print(f"database: {args.pg_url or workdir / 'uth.sqlite3'}; instance {workdir}")


if __name__ == "__main__":
    main()
