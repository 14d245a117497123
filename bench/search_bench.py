"""Search benchmark: synthetic Danish incident reports through the backends' search().

    .venv/bin/python bench/search_bench.py --docs 10000 --backend both
    .venv/bin/python bench/search_bench.py --docs 100000 --backend whoosh --out bench/out/whoosh-100k.json

Every query goes through `backend.search()` with the scope as a SQL select (executed on SQLite
for whoosh, as a subquery on PostgreSQL), so the figures include scoping, counting and snippets.
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
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table, create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from uth.search.backend import SearchDoc  # noqa: E402

PG_URL = os.environ.get("UTH_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:54329/uth_test"
ORGS = 100
FIRST_DAY = datetime(2016, 1, 1)
DAYS = 3650

PLACES = ["gangen", "badeværelset", "sengen", "trappen", "stuen", "toilettet", "køkkenet", "gulvet"]
TIMES = ["om natten", "om morgenen", "ved vagtskifte", "i weekenden", "efter aftensmaden", "om eftermiddagen"]
UNITS = ["ortopædkirurgisk afdeling", "medicinsk afdeling", "akutmodtagelsen", "geriatrisk afsnit",
         "kardiologisk afdeling", "psykiatrisk afsnit", "neurologisk afdeling", "kirurgisk afsnit"]
RECEIVERS = ["egen læge", "hjemmeplejen", "plejecentret", "hjemmesygeplejen", "kommunen", "genoptræningen"]
DRUGS = ["metformin", "insulin", "marevan", "eliquis", "morfin", "furix", "pinex", "prednisolon",
         "digoxin", "panodil", "oxycodon", "lithium", "metoprolol", "simvastatin"]
CAUSES = ["travlhed", "forkert aflæsning", "manglende dobbeltkontrol", "uklar ordination",
          "forveksling af pakninger", "manglende overlevering", "fejl i dosisdispensering"]
SECTORS = ["hospitalet", "kommunen", "almen praksis", "apoteket", "præhospitalet", "psykiatrien"]
TOPICS = ["medicinændringer", "blodfortyndende behandling", "faldrisiko", "ernæring", "sår", "genoptræning"]
RARE = ["sondeernæring", "insulinpen", "warfarinbehandling", "dosisrulle", "tryksår", "blodsukkermåling",
        "katheter", "iltbehandling", "delirium", "hoftefraktur"]
SENTENCES = [
    "Patienten faldt på {place} {time}.",
    "Borgeren blev udskrevet fra {unit} uden opdateret medicinliste i FMK.",
    "Epikrisen var ikke sendt til {receiver} ved udskrivelsen.",
    "Hjemmeplejen opdagede at {drug} ikke var givet {time}.",
    "Der blev givet forkert dosis {drug} på grund af {cause}.",
    "Medicinlisten i FMK var ikke opdateret efter ændring af {drug}.",
    "Overleveringen mellem {sector} og {sector2} manglede oplysninger om {topic}.",
    "Patienten blev fundet på {place} og kom ikke til skade.",
    "Sygeplejersken kontaktede {receiver} dagen efter udskrivelsen.",
    "Der manglede en plan for {topic} i udskrivelsesbrevet.",
    "Ordinationen af {drug} var ikke afstemt med egen læge.",
    "Faldet skete {time} da patienten skulle på toilettet.",
    "Konsekvensen var at patienten fik {drug} to gange samme dag.",
    "Fremover skal {receiver} have besked før udskrivelse.",
    "Medicineringen blev gennemgået af farmaceut efter hændelsen.",
    "Årsagen vurderes at være {cause} i forbindelse med {topic}.",
    "Pårørende oplyste at borgeren havde svært ved at huske {drug}.",
    "Lægen på {unit} ordinerede {drug} uden at kende den aktuelle dosis.",
    "Ved indlæggelsen var der ingen medicinliste fra {sector}.",
    "Vagtlægen blev kontaktet {time} på grund af uro og smerter.",
    "Ambulancen kørte borgeren til {unit} efter opkald fra {receiver}.",
    "Dosisdispenseringen fra apoteket indeholdt {drug} som var seponeret.",
    "Teamet gennemgik forløbet på et tavlemøde ugen efter.",
    "Journalen indeholdt modstridende oplysninger om {topic}.",
    "Korrespondancemeddelelsen til {receiver} blev først læst tre dage senere.",
    "Der var ikke aftalt opfølgning på {topic} ved udskrivningssamtalen.",
    "Personalet var nyt og kendte ikke rutinen for {topic}.",
    "Hændelsen blev opdaget ved en tilfældighed {time}.",
    "Borgeren har demens og bor alene med tilsyn fra {receiver}.",
    "Blodprøverne viste forhøjet INR efter behandling med {drug}.",
    "Sengehesten var ikke slået op, og alarmen var ikke tændt.",
    "Der var uenighed om hvem der havde ansvaret for {topic}.",
    "Genoptræningsplanen nåede ikke frem til {receiver}.",
    "Indlæggelsen blev forlænget med to døgn som følge af hændelsen.",
    "Risikomanageren anbefaler en tjekliste for {topic} ved overgange.",
    "Telefonen blev ikke besvaret, og beskeden gik tabt mellem vagterne.",
]
TITLES = ["Fald efter udskrivelse", "Manglende epikrise", "Forkert dosis {drug}", "Medicin ikke givet",
          "Fald i hjemmet", "FMK ikke opdateret", "Mangelfuld overlevering", "Forsinket {drug}"]

QUERIES = {
    "rare term": ["sondeernæring", "insulinpen", "tryksår", "delirium", "katheter"],
    "common term": ["patienten", "udskrivelse", "medicin", "fmk", "hjemmeplejen"],
    "two terms": ["fald udskrivelse", "medicinlisten fmk", "epikrise hjemmeplejen", "dosis insulin"],
    "phrase": ['"ikke opdateret"', '"faldt på gangen"', '"forkert dosis"', '"egen læge"'],
    "prefix": ["medicin*", "udskriv*", "hjemme*", "overlev*"],
    "common term by date": ["patienten", "udskrivelse", "fmk"],
    "term + filters": ["patienten", "udskrivelse", "fald", "fmk"],
    "two terms + filters": ["fald udskrivelse", "medicinlisten fmk", "dosis insulin"],
    "term, scope = all (every id via SQL)": ["udskrivelse", "fald"],
}


def make_doc(rng: random.Random, doc_id: int) -> tuple[SearchDoc, int]:
    """A report of ~100-150 words and the organisation that owns it."""
    fill = lambda s: s.format(  # noqa: E731
        place=rng.choice(PLACES), time=rng.choice(TIMES), unit=rng.choice(UNITS), receiver=rng.choice(RECEIVERS),
        drug=rng.choice(DRUGS), cause=rng.choice(CAUSES), sector=rng.choice(SECTORS),
        sector2=rng.choice(SECTORS), topic=rng.choice(TOPICS))
    sentences = [fill(rng.choice(SENTENCES)) for _ in range(rng.randint(11, 16))]
    if rng.random() < 0.05:
        sentences.insert(rng.randrange(len(sentences)), f"Der var også problemer med {rng.choice(RARE)}.")
    cut = len(sentences) // 2
    fields = {"reference": f"UTH-{2016 + doc_id % 10}-{doc_id:06d}", "description": " ".join(sentences[:cut]),
              "consequence": " ".join(sentences[cut:cut + 3]), "prevention": " ".join(sentences[cut + 3:])}
    received = FIRST_DAY + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(1440))
    return SearchDoc("case", doc_id, fill(rng.choice(TITLES)), fields, received), rng.randrange(ORGS)


class Setup:
    """A backend plus the scope table it is restricted by, on the database that backend uses."""

    def __init__(self, name: str, workdir: Path) -> None:
        from uth.search import make_backend

        self.name = name
        self.workdir = workdir
        if name == "whoosh":
            self.engine = create_engine(f"sqlite:///{workdir / 'scope.sqlite3'}")
            self.backend = make_backend("whoosh", index_dir=str(workdir / "index"))
        else:
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS search_bench CASCADE; CREATE SCHEMA search_bench"))
            admin.dispose()
            self.engine = create_engine(PG_URL, connect_args={"options": "-c search_path=search_bench"})
            self.backend = make_backend("postgres", engine=self.engine)
            self.backend.ensure_schema()
        metadata = MetaData()
        self.cases = Table("bench_cases", metadata, Column("id", Integer, primary_key=True),
                           Column("org", Integer, nullable=False), Column("received_at", DateTime))
        Index("ix_bench_cases_org", self.cases.c.org, self.cases.c.received_at)
        metadata.create_all(self.engine)
        self.session = Session(self.engine)

    def load(self, rows: list[tuple[SearchDoc, int]], batch: int) -> dict:
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            self.backend.index([doc for doc, _ in rows[start:start + batch]])
        indexed = time.perf_counter() - started
        with self.engine.begin() as conn:
            conn.execute(self.cases.insert(), [{"id": d.id, "org": org, "received_at": d.received_at} for d, org in rows])
        started = time.perf_counter()
        self.backend.optimize()
        optimized = time.perf_counter() - started
        return {"docs_per_s": round(len(rows) / indexed), "index_s": round(indexed, 1),
                "optimize_s": round(optimized, 1), "size_mb": round(self.size() / 1e6, 1)}

    def size(self) -> int:
        if self.name == "whoosh":
            return sum(p.stat().st_size for p in (self.workdir / "index").iterdir())
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT pg_total_relation_size('search_documents')")).scalar_one()

    def scope(self, rng: random.Random):
        """One organisation and one year: what a local risk manager filters to (~0.1% of docs)."""
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 365))
        c = self.cases.c
        return select(c.id).where(c.org == rng.randrange(ORGS), c.received_at >= start,
                                  c.received_at < start + timedelta(days=365))

    def close(self) -> None:
        self.session.close()
        if hasattr(self.backend, "close"):
            self.backend.close()
        self.engine.dispose()


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]  # noqa: E731
    return {"p50": round(pick(0.5) * 1000, 1), "p95": round(pick(0.95) * 1000, 1),
            "max": round(ordered[-1] * 1000, 1), "n": len(ordered)}


def run_queries(setup: Setup, rng: random.Random, repeats: int) -> dict:
    """Each distinct query once on cold caches (first use after a load), then `repeats` warm."""
    results = {}
    for label, queries in QUERIES.items():
        cold, warm, totals = [], [], []
        for n in range(len(queries) + repeats):
            query = queries[n % len(queries)]
            allowed = setup.scope(rng) if "filters" in label else None
            if label.startswith("term, scope = all"):
                allowed = select(setup.cases.c.id)
            order = "date" if "by date" in label else "relevance"
            started = time.perf_counter()
            page = setup.backend.search(query, kind="case", session=setup.session, allowed=allowed, order=order)
            (cold if n < len(queries) else warm).append(time.perf_counter() - started)
            totals.append(page.total)
        results[label] = {**percentiles(warm), "cold_max": round(max(cold) * 1000, 1),
                          "median_total": statistics.median(totals)}
    return results


def add_then_search(setup: Setup, rng: random.Random, first_id: int, repeats: int) -> dict:
    """A new report becomes searchable: index one doc, then find it within its scope."""
    index_times, search_times = [], []
    for n in range(repeats):
        doc, org = make_doc(rng, first_id + n)
        doc = SearchDoc(doc.kind, doc.id, doc.title, {**doc.fields, "note": f"nyhedsord{n}x"}, doc.received_at)
        with setup.engine.begin() as conn:
            conn.execute(setup.cases.insert(), {"id": doc.id, "org": org, "received_at": doc.received_at})
        started = time.perf_counter()
        setup.backend.index([doc])
        index_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        page = setup.backend.search(f"nyhedsord{n}x", kind="case", session=setup.session,
                                    allowed=select(setup.cases.c.id).where(setup.cases.c.org == org))
        search_times.append(time.perf_counter() - started)
        assert [hit.id for hit in page.hits] == [doc.id], "the new document must be found at once"
    return {"index one doc": percentiles(index_times), "then search it (scoped)": percentiles(search_times)}


def bench(name: str, docs: int, batch: int, repeats: int, keep: bool) -> dict:
    rng = random.Random(20261123)
    rows = [make_doc(rng, doc_id) for doc_id in range(1, docs + 1)]
    workdir = Path(tempfile.mkdtemp(prefix=f"uth-search-bench-{name}-"))
    setup = Setup(name, workdir)
    try:
        result = {"backend": name, "docs": docs, "load": setup.load(rows, batch)}
        result["queries"] = run_queries(setup, random.Random(1), repeats)
        result["freshness"] = add_then_search(setup, random.Random(2), docs + 1, max(10, repeats // 2))
        return result
    finally:
        setup.close()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def print_table(results: list[dict]) -> None:
    for result in results:
        load = result["load"]
        print(f"\n{result['backend']} at {result['docs']:,} docs: {load['docs_per_s']:,} docs/s indexing "
              f"({load['index_s']} s), optimize {load['optimize_s']} s, index {load['size_mb']} MB")
        print(f"  {'query (warm: p50/p95/max; first use: max)':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
              f" {'cold ms':>8} {'total':>8}")
        for label, row in {**result["queries"], **result["freshness"]}.items():
            cold, total = row.get("cold_max", ""), row.get("median_total", "")
            print(f"  {label:42} {row['p50']:>8} {row['p95']:>8} {row['max']:>8} {cold!s:>8} {total!s:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--backend", choices=["whoosh", "postgres", "both"], default="both")
    parser.add_argument("--out", default="bench/out/search.json")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=40, help="timed queries per query type")
    parser.add_argument("--keep", action="store_true", help="keep the whoosh index directory")
    args = parser.parse_args()
    names = ["whoosh", "postgres"] if args.backend == "both" else [args.backend]
    results = [bench(name, args.docs, args.batch, args.repeats, args.keep) for name in names]
    print_table(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"run_at": datetime.now().isoformat(timespec="seconds"),
                                          "cpus": os.cpu_count(), "results": results}, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
