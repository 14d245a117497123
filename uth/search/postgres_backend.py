"""PostgreSQL search backend: a tsvector table beside the data, shared by every app server."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import (Engine, Float, MetaData, String, Text, and_, any_, bindparam, case, column, delete, false,
                        func, literal, literal_column, or_, select, table, union_all)
from sqlalchemy import text as text_sql
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase

from uth.reports.models import OPEN_STATUSES

from .analysis import index_text, strip_control
from .backend import FacetFilter, Hit, Order, SearchDoc, SearchPage, Total, check_kind, check_search_args
from .excerpts import snippet
from .models import search_documents
from .query import And, Node, Not, Phrase, Term, parse
from .whoosh_query import KEY_TERMS, compile_query

_DANISH = literal_column("'danish'::regconfig")
_STAGING = "search_documents_staging"  # a bulk load's temporary table: the rows as _rows() makes them
_STAGED = (("kind", "text"), ("doc_id", "bigint"), ("title", "text"), ("body", "text"), ("received_at", "timestamptz"),
           ("title_words", "text"), ("body_words", "text"), ("scope_org_ids", "int[]"), ("org_ids", "int[]"),
           ("status", "text"), ("severity", "text"), ("event_type", "text"))
_FACETS = ("scope_org_ids", "org_ids", "status", "severity", "event_type")  # CaseFacets' columns
_STORED = ("title", "body", "received_at", "tsv") + _FACETS  # what an upsert replaces
SWAP_LOCK_TIMEOUT_MS = 2000  # how long the swap waits for the live table per try
SWAP_TRIES = 5
SWAP_PAUSE = 0.5  # seconds between tries: the searches queued behind the attempt run meanwhile
# Matches counted, ranked and paged per search: the newest this many in scope. Counting or ranking
# every match costs a heap visit (and a tsvector read) per match: ~1 s for a common word at
# 1,000,000 cases. More matches than this show as "more than CANDIDATES", ranked among the newest.
CANDIDATES = 1000
# A search of open cases (ix_search_documents_open) for a word in at least this share of the documents
# matches it row by row among the open cases in scope, not by its GIN bitmap (most of the table),
# with OPEN_WORK_MEM for the bitmaps of the scope and the open cases (exact, not lossy: at the default
# 4MB a local risk manager's scope at 1,000,000 cases went lossy and every row of its pages was read).
COMMON_SHARE = 0.2
OPEN_WORK_MEM = "32MB"


def _weighted(title, body):
    """Title words weigh A, the rest B (ts_rank_cd ranks A above B)."""
    return func.setweight(func.to_tsvector(_DANISH, title), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(_DANISH, body), literal_column("'B'"))
    )


def to_tsquery_text(node: Node) -> str:
    """The parsed query in to_tsquery syntax; every word is a quoted lexeme, never raw syntax."""
    if isinstance(node, Term):
        return _lexeme(node.text) + (":*" if node.prefix else "")
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(_lexeme(word) for word in node.words) + ")"
    if isinstance(node, Not):
        return "!" + to_tsquery_text(node.item)
    joiner = " & " if isinstance(node, And) else " | "
    return "(" + joiner.join(to_tsquery_text(item) for item in node.items) + ")"


def _lexeme(word: str) -> str:
    # Parser words are letters and digits only; quote and escape anyway (defence in depth).
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _rows(docs: Iterable[SearchDoc]) -> list[dict]:
    """The table's rows of documents (the tsvector's words beside them), the last of a key winning."""
    rows: dict[tuple[str, int], dict] = {}
    for doc in docs:
        check_kind(doc.kind)
        facets = doc.facets
        rows[(doc.kind, doc.id)] = {
            "kind": doc.kind,
            "doc_id": doc.id,
            "title": strip_control(doc.title),
            "body": strip_control(doc.excerpt_text),  # excerpts are cut from it
            "received_at": _utc(doc.received_at),
            "title_words": index_text(doc.title),
            "body_words": index_text(strip_control(doc.body)),
            "scope_org_ids": list(facets.scope_org_ids) if facets else None,
            "org_ids": list(facets.org_ids) if facets else None,
            "status": facets.status if facets else None,
            "severity": facets.severity if facets else None,
            "event_type": facets.event_type if facets else None,
        }
    return list(rows.values())


_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) ")


def _index_names(session: Session, build: str, live: str) -> list[tuple[str, str]]:
    """(the build table's index, the live table's index of the same definition) pairs, so the
    swapped-in table keeps the names migrations know (LIKE … INCLUDING ALL names its copies anew)."""
    def definitions(table: str) -> list[tuple[str, str]]:
        rows = session.execute(text_sql(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:t AS regclass) ORDER BY c.relname"), {"t": table}).all()
        return [(name, _INDEX_HEAD.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX ", definition)) for name, definition in rows]

    wanted = definitions(live)
    pairs = []
    for name, shape in definitions(build):
        match = next((i for i, (_, live_shape) in enumerate(wanted) if live_shape == shape), None)
        if match is not None:
            pairs.append((name, wanted.pop(match)[0]))
    return pairs


def _narrowing(t, allowed: SelectBase | FacetFilter | None) -> list:
    """The conditions `allowed` puts on the documents: a select of ids probed per candidate, or a
    FacetFilter on the documents' own columns (the scope by the GIN index of scope_org_ids)."""
    if allowed is None:
        return []
    if not isinstance(allowed, FacetFilter):
        return [t.c.doc_id.in_(allowed.scalar_subquery())]
    where = []
    if allowed.scope is not None:
        where.append(t.c.scope_org_ids.overlap(literal(list(allowed.scope), t.c.scope_org_ids.type)))
    # `= ANY(array)`, not IN: PostgreSQL turns a one-value IN into an equality, checks that after
    # the text match, and a walk newest first then matched the text of every newer case of another
    # status (the open ones, when looking for closed cases).
    if allowed.statuses is not None:
        where.append(t.c.status == any_(literal(list(allowed.statuses), ARRAY(String))))
        if set(allowed.statuses) <= set(OPEN_STATUSES):  # ix_search_documents_open's predicate, as constants
            where.append(t.c.status.in_([literal_column(f"'{status}'") for status in OPEN_STATUSES]))
    if allowed.severities is not None:
        where.append(t.c.severity == any_(literal(list(allowed.severities), ARRAY(String))))
    if allowed.event_type is not None:
        where.append(or_(t.c.event_type == allowed.event_type, t.c.event_type.like(allowed.event_type + ".%")))
    if allowed.org_id is not None:
        where.append(t.c.org_ids.contains(literal([allowed.org_id], t.c.org_ids.type)))
    if allowed.received_from is not None:
        where.append(t.c.received_at >= allowed.received_from)
    if allowed.received_before is not None:
        where.append(t.c.received_at < allowed.received_before)
    return where


def _open_only(allowed) -> bool:
    """Whether the search is of open cases only (ix_search_documents_open applies)."""
    return isinstance(allowed, FacetFilter) and allowed.statuses is not None and set(allowed.statuses) <= set(OPEN_STATUSES)


@contextmanager
def _settings(session: Session, settings: dict[str, str]):
    """Settings for the statements of the block, then as they were (SET LOCAL would last to the end
    of the caller's transaction). A failed statement aborts the transaction: its rollback resets them."""
    before = {name: session.execute(text_sql("SELECT current_setting(:name)"), {"name": name}).scalar_one()
              for name in settings}
    for name, value in settings.items():
        session.execute(text_sql("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
    yield
    for name, value in before.items():
        session.execute(text_sql("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)  # naive datetimes in this app are UTC
    return moment


class PostgresSearchBackend:
    """Full-text search in PostgreSQL ('danish' configuration, GIN index, weighted title).

    `index`/`delete` with `session=` run in the caller's transaction: the index changes
    exactly when the data does (the caller commits; a crash loses neither). Without a session
    they run and commit in a transaction of their own. Searches run on the caller's session,
    with the scope as a subquery, so visibility, counting and paging are one SQL statement each.
    """

    name = "postgres"
    transactional = True
    probes_allowed = True  # `allowed` runs as a subquery checked per candidate (visible_case_ids)
    filters_facets = True  # or a FacetFilter on the documents' columns (the services' case searches)
    table = search_documents

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure_schema(self) -> None:
        """Create the table and its GIN index if missing (tests, benchmarks; else alembic)."""
        self.table.create(self.engine, checkfirst=True)

    def _run(self, session: Session | None, statement, params=None) -> None:
        if session is not None:
            session.execute(statement, params)
        else:
            with self.engine.begin() as conn:
                conn.execute(statement, params)

    def index(self, docs: Iterable[SearchDoc], *, session: Session | None = None) -> None:
        """Upsert documents (INSERT … ON CONFLICT); the last version of a key in a batch wins."""
        rows = _rows(docs)
        if not rows:
            return
        statement = insert(self.table).values(
            kind=bindparam("kind"),
            doc_id=bindparam("doc_id"),
            title=bindparam("title"),
            body=bindparam("body"),
            received_at=bindparam("received_at"),
            tsv=_weighted(bindparam("title_words", type_=Text), bindparam("body_words", type_=Text)),
            **{name: bindparam(name, type_=self.table.c[name].type) for name in _FACETS},
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[self.table.c.kind, self.table.c.doc_id],
            set_={name: excluded[name] for name in _STORED},
        )
        self._run(session, statement, rows)

    @contextmanager
    def bulk(self):
        """For a new, empty table (`build_aside`): `add(docs)` per batch COPYs the rows into a
        temporary table; at the end one INSERT … SELECT computes every tsvector in the database,
        with the table's secondary indexes (the GIN index) dropped meanwhile and built once."""
        t = self.table
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_STAGING} ({', '.join(f'{n} {k}' for n, k in _STAGED)}) "
                                 "ON COMMIT DROP")
            cursor = conn.connection.driver_connection.cursor()
            columns = [name for name, _ in _STAGED]

            def add(docs: Iterable[SearchDoc]) -> None:
                rows = _rows(docs)
                if rows:
                    with cursor.copy(f"COPY {_STAGING} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row([row[name] for name in columns])

            yield add
            secondary = conn.execute(text_sql(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisprimary AND NOT i.indisunique"), {"t": t.name}).all()
            for name, _ in secondary:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            staged = table(_STAGING, *(column(name) for name in columns))
            c = staged.c
            conn.execute(t.insert().from_select(
                ["kind", "doc_id", "title", "body", "received_at", "tsv", *_FACETS],
                select(c.kind, c.doc_id, c.title, c.body, c.received_at, _weighted(c.title_words, c.body_words),
                       *(c[name] for name in _FACETS))))
            for _, definition in secondary:
                conn.exec_driver_sql(definition)
            conn.exec_driver_sql(f"ANALYZE {t.name}")

    @contextmanager
    def build_aside(self, session: Session):
        """A new table beside the live one (`CREATE TABLE … (LIKE search_documents INCLUDING ALL)`:
        columns, defaults and indexes as they are now), swapped in when the block ends: yields a
        backend on it (`bulk` first, then `index`/`delete` with `session=`). The swap runs in
        `session`'s transaction (the rebuild's, which holds the apply lock and whose writes to the
        new table would otherwise block it): the live table dropped, the new one renamed to its
        name and its indexes to theirs; the caller commits it. Searches read the old table until
        that commit. A failure rolls `session` back and drops the new table: the live one stays.
        """
        live = self.table.name
        build = self.table.to_metadata(MetaData(), name=f"{live}_build")
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {build.name}")  # a crashed rebuild's
            conn.exec_driver_sql(f"CREATE TABLE {build.name} (LIKE {live} INCLUDING ALL)")
        aside = PostgresSearchBackend(self.engine)
        aside.table = build
        try:
            yield aside
            self._swap(session, build.name)
        except BaseException:
            session.rollback()
            with self.engine.begin() as conn:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {build.name}")
            raise

    def _swap(self, session: Session, build: str) -> None:
        """Drop the live table and give `build` its name and its indexes' names, under a
        lock_timeout: a search's transaction holding the table makes the attempt give up and try
        again (the lock request would otherwise queue every later search behind it, for as long as
        that transaction lasts), then fail with a clear error."""
        live = self.table.name
        names = _index_names(session, build, live)
        for attempt in range(1, SWAP_TRIES + 1):
            try:
                with session.begin_nested():
                    session.execute(text_sql(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'"))
                    session.execute(text_sql(f"DROP TABLE {live}"))
                    session.execute(text_sql(f"ALTER TABLE {build} RENAME TO {live}"))
                    for old, new in names:
                        session.execute(text_sql(f'ALTER INDEX "{old}" RENAME TO "{new}"'))
                    session.execute(text_sql("SET LOCAL lock_timeout = DEFAULT"))
                return
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) != "55P03" or attempt == SWAP_TRIES:
                    raise RuntimeError(
                        f"search: the rebuilt index could not replace {live}: another transaction held it for "
                        f"{SWAP_TRIES} tries of {SWAP_LOCK_TIMEOUT_MS} ms (a long search or an idle "
                        "transaction; see pg_stat_activity). The live index is unchanged.") from error
                time.sleep(SWAP_PAUSE)

    def delete(self, keys: Iterable[tuple[str, int]], *, session: Session | None = None) -> None:
        """Delete by (kind, id); the rows' text is gone from disk after VACUUM (optimize)."""
        by_kind: dict[str, set[int]] = {}
        for kind, doc_id in keys:
            check_kind(kind)
            by_kind.setdefault(kind, set()).add(doc_id)
        t = self.table
        for kind, ids in by_kind.items():
            self._run(session, delete(t).where(t.c.kind == kind, t.c.doc_id.in_(sorted(ids))))

    def search(
        self,
        query: str,
        *,
        kind: str,
        session: Session,
        allowed: SelectBase | FacetFilter | None,
        order: Order = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """The newest CANDIDATES + 1 matches in scope, found by the GIN index (rare words) or by
        walking ix_search_documents_recent newest first (common ones: the planner picks), counted;
        the newest CANDIDATES of them ranked, in the same statement; excerpts cut for the page only.

        The total is exact up to CANDIDATES, else Total(CANDIDATES, exact=False): "more than".
        By relevance such a broad search ranks its newest CANDIDATES matches, not every match; by
        date its pages are those of every match, as far as the bound. The scope is applied before
        anything is counted or bounded: nothing outside it is counted or ranked."""
        check_search_args(kind, order, offset, limit)
        t = self.table
        parsed = parse(query)
        tsquery = func.to_tsquery(_DANISH, bindparam("q", to_tsquery_text(parsed), type_=Text), type_=TSQUERY)
        narrowing = _narrowing(t, allowed)
        common = bool(narrowing) and isinstance(allowed, FacetFilter) and (
            self._share(session, to_tsquery_text(parsed)) >= COMMON_SHARE)
        by_open = common and _open_only(allowed)
        # A common word among open cases: matched row by row in what the open and scope bitmaps leave
        # (the word's GIN bitmap would be most of the table, and cost more than it saves); inside a
        # CASE after the facets, which the planner would otherwise test after the text (a plain call
        # costs it less than the event type's OR), reading the text of three times the rows.
        match = (case((and_(*narrowing), func.ts_match_vq(t.c.tsv, tsquery)), else_=false()) if by_open
                 else t.c.tsv.bool_op("@@")(tsquery))
        where = [
            t.c.kind == kind,
            *narrowing,  # first: cheaper per row than matching the text
            match,
            # Only stop words, or only negations after stop words went: match nothing, scan nothing.
            func.querytree(tsquery).not_in(["", "T"]),
        ]
        # Newest first, undated last: the dated ones by ix_search_documents_recent read backwards
        # (which puts nulls first, hence two parts; there are no undated documents in practice).
        if common and not by_open:
            # A common word within facets: the walk newest first tests the facets on the entries of
            # ix_search_documents_recent (an index-only scan: it includes them), and reads a row
            # only for what passes them (a local risk manager's scope is a tenth of the documents).
            walk = (select(t.c.doc_id, t.c.received_at)
                    .where(t.c.kind == kind, *narrowing, t.c.received_at.is_not(None)).subquery("walk"))
            row = t.alias("row")
            dated = (select(row.c.doc_id, row.c.received_at, row.c.tsv)
                     .select_from(walk.join(row, (row.c.kind == kind) & (row.c.doc_id == walk.c.doc_id)))
                     .where(row.c.tsv.bool_op("@@")(tsquery), func.querytree(tsquery).not_in(["", "T"]))
                     .order_by(walk.c.received_at.desc(), walk.c.doc_id.desc()).limit(CANDIDATES + 1))
        else:
            dated = (select(t.c.doc_id, t.c.received_at, t.c.tsv).where(*where, t.c.received_at.is_not(None))
                     .order_by(t.c.received_at.desc(), t.c.doc_id.desc()).limit(CANDIDATES + 1))
        undated = (select(t.c.doc_id, t.c.received_at, t.c.tsv).where(*where, t.c.received_at.is_(None))
                   .order_by(t.c.doc_id.desc()).limit(CANDIDATES + 1))
        both = union_all(dated, undated).subquery("both")
        newest = [both.c.received_at.desc().nulls_last(), both.c.doc_id.desc()]
        found = (select(both, func.row_number().over(order_by=newest).label("n")).order_by(*newest)
                 .limit(CANDIDATES + 1).cte("found").prefix_with("MATERIALIZED"))
        rank = literal(0.0, Float) if order == "date" else func.ts_rank_cd(found.c.tsv, tsquery, type_=Float)
        count = select(func.count()).select_from(found).scalar_subquery()  # CANDIDATES + 1: "more than"
        page = (select(found.c.doc_id, found.c.received_at, rank.label("rank"), count.label("found"))
                .where(found.c.n <= CANDIDATES).subquery("page"))

        def ordering(c):
            if order == "date":
                return [c.received_at.desc().nulls_last(), c.doc_id.desc()]
            return [c.rank.desc(), c.doc_id]

        page = (select(page).order_by(*ordering(page.c)).offset(offset).limit(limit).subquery("hits"))
        settings = {"work_mem": OPEN_WORK_MEM} if by_open else {}
        if common:  # a walk that stops early: parallel workers only cost their start (2 cores, loaded)
            settings["max_parallel_workers_per_gather"] = "0"
        with _settings(session, settings):
            rows = session.execute(  # the body (excerpts) read for the page's rows only
                select(page.c.doc_id, page.c.rank, page.c.found, t.c.body)
                .join(t, (t.c.kind == kind) & (t.c.doc_id == page.c.doc_id)).order_by(*ordering(page.c))
            ).all()
            found_n = rows[0].found if rows else session.execute(select(count)).scalar_one()
        total = Total(found_n) if found_n <= CANDIDATES else Total(CANDIDATES, exact=False)
        marked = compile_query(parsed)  # the words to mark, analysed as for whoosh: one excerpt style
        return SearchPage(total, [Hit(kind, doc_id, float(score), snippet(body, marked.terms, marked.prefixes))
                                  for doc_id, score, _, body in rows])

    def _share(self, session: Session, tsquery_text: str) -> float:
        """The planner's estimate of the share of documents the query matches (from the text's
        statistics: no document is read)."""
        t = self.table
        plan = session.execute(text_sql(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {t.name} WHERE tsv @@ to_tsquery('danish', :q)"),
                               {"q": tsquery_text}).scalar_one()
        documents = session.execute(text_sql("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                                    {"t": t.name}).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return plan[0]["Plan"]["Plan Rows"] / documents if documents > 0 else 0.0

    def similar(self, text: str, *, kind: str, session: Session, allowed: SelectBase | FacetFilter | None,
                limit: int = 10, min_df: int = 1) -> list[Hit]:
        """The text's most frequent lexemes (PostgreSQL's 'danish' stemming, stop words gone) OR-ed,
        ranked by ts_rank among the newest CANDIDATES documents in `allowed` that share one (no
        document frequencies here: counting them costs a scan per common word; ts_rank's length
        normalisation keeps long texts from winning by size). Nearly every document shares a common
        word, so ranking them all cost seconds at 1,000,000 cases: the neighbours are recent ones."""
        check_search_args(kind, "relevance", 0, limit)
        lexemes = session.execute(
            text_sql("SELECT lexeme FROM unnest(to_tsvector('danish', :t)) "
                     "ORDER BY array_length(positions, 1) DESC, length(lexeme) DESC, lexeme LIMIT :n"),
            {"t": index_text(strip_control(text)), "n": KEY_TERMS}).scalars().all()
        if not lexemes:
            return []
        t = self.table
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                  bindparam("q", " | ".join(_lexeme(word) for word in lexemes), type_=Text), type_=TSQUERY)
        where = [t.c.kind == kind, *_narrowing(t, allowed), t.c.tsv.bool_op("@@")(tsquery)]
        found = (select(t.c.doc_id, t.c.tsv).where(*where).order_by(t.c.received_at.desc(), t.c.doc_id.desc())
                 .limit(CANDIDATES).cte("found").prefix_with("MATERIALIZED"))  # ix_search_documents_recent
        rank = func.ts_rank(found.c.tsv, tsquery, 1, type_=Float).label("rank")
        rows = session.execute(select(found.c.doc_id, rank).order_by(rank.desc(), found.c.doc_id).limit(limit)).all()
        return [Hit(kind, doc_id, float(score), "") for doc_id, score in rows]

    def clear(self) -> None:
        """Remove every document (in its own transaction)."""
        self._run(None, delete(self.table))

    def optimize(self) -> None:
        """VACUUM: dead rows (deleted or replaced text) are pruned and their space reused."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {self.table.name}")

    def doc_count(self, kind: str) -> int:
        check_kind(kind)
        t = self.table
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t).where(t.c.kind == kind)).scalar_one()
