"""PostgreSQL search backend: a tsvector table beside the data, shared by every app server."""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Engine, Float, Text, bindparam, delete, func, literal, literal_column, select
from sqlalchemy import text as text_sql
from sqlalchemy.dialects.postgresql import TSQUERY, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase

from .analysis import index_text, strip_control
from .backend import Hit, Order, SearchDoc, SearchPage, check_kind, check_search_args
from .excerpts import snippet
from .models import search_documents
from .query import And, Node, Not, Phrase, Term, parse
from .whoosh_query import KEY_TERMS, compile_query

_DANISH = literal_column("'danish'::regconfig")


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
        rows: dict[tuple[str, int], dict] = {}
        for doc in docs:
            check_kind(doc.kind)
            rows[(doc.kind, doc.id)] = {
                "kind": doc.kind,
                "doc_id": doc.id,
                "title": strip_control(doc.title),
                "body": strip_control(doc.excerpt_text),  # excerpts are cut from it
                "received_at": _utc(doc.received_at),
                "title_words": index_text(doc.title),
                "body_words": index_text(strip_control(doc.body)),
            }
        if not rows:
            return
        statement = insert(self.table).values(
            kind=bindparam("kind"),
            doc_id=bindparam("doc_id"),
            title=bindparam("title"),
            body=bindparam("body"),
            received_at=bindparam("received_at"),
            tsv=_weighted(bindparam("title_words", type_=Text), bindparam("body_words", type_=Text)),
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[self.table.c.kind, self.table.c.doc_id],
            set_={name: excluded[name] for name in ("title", "body", "received_at", "tsv")},
        )
        self._run(session, statement, list(rows.values()))

    @contextmanager
    def bulk(self):
        """For a rebuild of the emptied table: `add(docs)` for every batch, with the GIN index
        dropped meanwhile and built once at the end (faster than updating it row by row)."""
        gin = next(ix for ix in self.table.indexes if ix.name == "ix_search_documents_tsv")
        with self.engine.begin() as conn:
            gin.drop(conn, checkfirst=True)
        try:
            yield self.index
        finally:
            with self.engine.begin() as conn:
                gin.create(conn, checkfirst=True)
                conn.exec_driver_sql("ANALYZE search_documents")

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
        allowed: SelectBase | None,
        order: Order = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """Count, then rank one page, then cut excerpts for that page only."""
        check_search_args(kind, order, offset, limit)
        t = self.table
        parsed = parse(query)
        tsquery = func.to_tsquery(_DANISH, bindparam("q", to_tsquery_text(parsed), type_=Text), type_=TSQUERY)
        where = [
            t.c.kind == kind,
            t.c.tsv.bool_op("@@")(tsquery),
            # Only stop words, or only negations after stop words went: match nothing, scan nothing.
            func.querytree(tsquery).not_in(["", "T"]),
        ]
        if allowed is not None:
            where.append(t.c.doc_id.in_(allowed.scalar_subquery()))
        total = session.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        if total <= offset:
            return SearchPage(total, [])
        if order == "date":
            rank = literal(0.0, Float).label("rank")
            ordering = [t.c.received_at.desc().nulls_last(), t.c.doc_id.desc()]
        else:
            rank = func.ts_rank_cd(t.c.tsv, tsquery, type_=Float).label("rank")
            ordering = [rank.desc(), t.c.doc_id]
        rows = session.execute(
            select(t.c.doc_id, rank, t.c.body).where(*where).order_by(*ordering).offset(offset).limit(limit)
        ).all()
        marked = compile_query(parsed)  # the words to mark, analysed as for whoosh: one excerpt style
        return SearchPage(total, [Hit(kind, doc_id, float(score), snippet(body, marked.terms, marked.prefixes))
                                  for doc_id, score, body in rows])

    def similar(self, text: str, *, kind: str, session: Session, allowed: SelectBase | None,
                limit: int = 10, min_df: int = 1) -> list[Hit]:
        """The text's most frequent lexemes (PostgreSQL's 'danish' stemming, stop words gone) OR-ed,
        ranked by ts_rank among `allowed` (no document frequencies here: counting them costs a scan
        per common word; ts_rank's length normalisation keeps long texts from winning by size)."""
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
        where = [t.c.kind == kind, t.c.tsv.bool_op("@@")(tsquery)]
        if allowed is not None:
            where.append(t.c.doc_id.in_(allowed.scalar_subquery()))
        rank = func.ts_rank(t.c.tsv, tsquery, 1, type_=Float).label("rank")
        rows = session.execute(select(t.c.doc_id, rank).where(*where).order_by(rank.desc(), t.c.doc_id).limit(limit)).all()
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
