"""PostgreSQL-only promises: index writes join the caller's transaction; lexemes are escaped."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, literal_column, select, text
from sqlalchemy.orm import Session

from uth.extensions import db
from uth.reports.models import OPEN_STATUSES
from uth.search import make_backend, postgres_backend
from uth.search.backend import CaseFacets, FacetFilter, SearchDoc, Total
from uth.search.models import search_documents
from uth.search.postgres_backend import PostgresSearchBackend, to_tsquery_text
from uth.search.query import Phrase, Term, parse


def _doc(doc_id: int, text: str) -> SearchDoc:
    return SearchDoc("case", doc_id, "Hændelse", {"description": text})


def _total(backend, session, query: str) -> int:
    return backend.search(query, kind="case", session=session, allowed=None).total


def test_index_in_the_callers_transaction_follows_commit_and_rollback(pg_engine):
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    with Session(pg_engine) as session:
        backend.index([_doc(1, "Fald på gangen.")], session=session)
        assert _total(backend, session, "fald") == 1  # visible inside the transaction
        session.rollback()
        assert _total(backend, session, "fald") == 0
        backend.index([_doc(1, "Fald på gangen.")], session=session)
        session.commit()
        backend.delete([("case", 1)], session=session)
        session.rollback()
    with Session(pg_engine) as session:
        assert _total(backend, session, "fald") == 1


def test_search_never_commits_the_callers_session(pg_engine):
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    backend.index([_doc(1, "Fald.")])
    with Session(pg_engine) as session:
        session.execute(text("CREATE TABLE pending (id int)"))
        backend.search("fald", kind="case", session=session, allowed=None)
        session.rollback()
        assert not inspect(pg_engine).has_table("pending")


def test_lexemes_are_quoted_so_user_text_is_never_tsquery_syntax(pg_engine):
    nasty = Term("it's\\ & !x | (y) <-> z:*")
    compiled = to_tsquery_text(Phrase((nasty.text, "b")))
    with pg_engine.connect() as conn:
        conn.execute(text("SELECT to_tsquery('danish', :q)"), {"q": compiled})
    assert to_tsquery_text(parse('fald -"faldt på gangen" medicin* OR fmk')) == (
        "(('fald' & !('faldt' <-> 'på' <-> 'gangen') & 'medicin':*) | 'fmk')"
    )


def test_the_table_is_on_the_app_metadata_and_creates_on_sqlite():
    assert db.metadata.tables["search_documents"] is search_documents
    engine = create_engine("sqlite://")
    search_documents.create(engine)
    assert {c["name"] for c in inspect(engine).get_columns("search_documents")} >= {"kind", "doc_id", "tsv"}
    engine.dispose()


def test_make_backend_checks_its_arguments(tmp_path, pg_engine):
    assert make_backend("postgres", engine=pg_engine).name == "postgres"
    assert make_backend("whoosh", index_dir=str(tmp_path)).name == "whoosh"
    with pytest.raises(ValueError):
        make_backend("elasticsearch", index_dir=str(tmp_path))
    with pytest.raises(ValueError):
        make_backend("postgres", engine=create_engine("sqlite://"))
    with pytest.raises(ValueError):
        make_backend("whoosh", index_dir=None)


def _rebuild_with(backend: PostgresSearchBackend, session: Session, docs: list[SearchDoc]) -> None:
    with backend.build_aside(session) as aside:
        with aside.bulk() as add:
            add(docs)
    session.commit()


def _indexes(engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("search_documents")} | {
        inspect(engine).get_pk_constraint("search_documents")["name"]}


def test_the_swapped_in_table_keeps_the_indexes_and_their_names(pg_engine):
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    with pg_engine.begin() as conn:  # as a later migration might add one
        conn.execute(text("CREATE INDEX ix_search_documents_received ON search_documents (received_at)"))
    backend.index([_doc(1, "Fald på gangen.")])
    before = _indexes(pg_engine)
    with Session(pg_engine) as session:
        _rebuild_with(backend, session, [_doc(2, "Fald i haven."), _doc(3, "Fald på trappen.")])
        assert _total(backend, session, "fald") == 2
    assert _indexes(pg_engine) == before and "ix_search_documents_received" in before
    with Session(pg_engine) as session:  # and again: the names are the same ones
        _rebuild_with(backend, session, [_doc(4, "Fald i køkkenet.")])
        assert _total(backend, session, "fald") == 1
    assert _indexes(pg_engine) == before


def test_a_swap_blocked_by_an_open_transaction_gives_up_with_a_clear_error(pg_engine, monkeypatch):
    from uth.search import postgres_backend

    monkeypatch.setattr(postgres_backend, "SWAP_LOCK_TIMEOUT_MS", 100)
    monkeypatch.setattr(postgres_backend, "SWAP_TRIES", 2)
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    backend.index([_doc(1, "Fald på gangen.")])
    with Session(pg_engine) as reader, Session(pg_engine) as session:
        assert _total(backend, reader, "fald") == 1  # its transaction stays open: it holds the table
        with pytest.raises(RuntimeError, match="could not replace search_documents"):
            _rebuild_with(backend, session, [_doc(2, "Fald i haven.")])
        assert _total(backend, reader, "fald") == 1
        reader.rollback()
        _rebuild_with(backend, session, [_doc(2, "Fald i haven.")])  # nothing left behind in the way
        assert _total(backend, reader, "fald") == 1 and backend.doc_count("case") == 1
        assert backend.search("haven", kind="case", session=reader, allowed=None).total == 1


def test_a_broad_search_counts_to_the_bound_and_ranks_its_newest_matches(pg_engine, monkeypatch):
    """More matches than CANDIDATES: the total says "more than", the newest are ranked, the rest not
    shown; the scope is applied first, so a narrower scope is counted exactly and ranked whole."""
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 3)
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    # doc 1, the oldest, matches best (the word four times); docs 2..6 each once, newer and newer
    docs = [SearchDoc("case", 1, "Fald", {"d": "fald fald fald fald"}, start)]
    docs += [SearchDoc("case", n, "Hændelse", {"d": f"fald nummer {n}"}, start + timedelta(days=n)) for n in range(2, 7)]
    backend.index(docs)
    with Session(pg_engine) as session:
        page = backend.search("fald", kind="case", session=session, allowed=None)
        assert page.total == 3 and page.total.exact is False
        assert {hit.id for hit in page.hits} == {6, 5, 4}  # the newest three; doc 1 is beyond the bound
        by_date = backend.search("fald", kind="case", session=session, allowed=None, order="date", offset=1, limit=5)
        assert [hit.id for hit in by_date.hits] == [5, 4] and by_date.total.exact is False
        assert backend.search("fald", kind="case", session=session, allowed=None, offset=3).hits == []
        scope = select(literal_column("id")).select_from(text("(VALUES (1), (2), (3)) AS s(id)"))
        scoped = backend.search("fald", kind="case", session=session, allowed=scope)
        assert scoped.total == 3 and scoped.total.exact is True
        assert [hit.id for hit in scoped.hits][0] == 1  # ranked whole: the best match first
        assert backend.search("nummer", kind="case", session=session, allowed=scope).total == 2
        empty = backend.search("fald", kind="case", session=session, allowed=scope, offset=5)
        assert empty.total == 3 and empty.total.exact and empty.hits == []


def test_similar_ranks_the_newest_documents_that_share_a_word(pg_engine, monkeypatch):
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 2)
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    backend.index([SearchDoc("case", 1, "Insulinpen", {"d": "insulinpen dosis forkert insulinpen"}, start),
                   SearchDoc("case", 2, "Dosis", {"d": "dosis givet"}, start + timedelta(days=1)),
                   SearchDoc("case", 3, "Dosis", {"d": "dosis igen"}, start + timedelta(days=2))])
    with Session(pg_engine) as session:
        hits = backend.similar("insulinpen dosis forkert", kind="case", session=session, allowed=None)
        assert {hit.id for hit in hits} == {2, 3}  # doc 1 is the most alike, but beyond the newest two
        scope = select(literal_column("id")).select_from(text("(VALUES (1), (2)) AS s(id)"))
        hits = backend.similar("insulinpen dosis forkert", kind="case", session=session, allowed=scope)
        assert [hit.id for hit in hits] == [1, 2]  # within the scope first: the newest two of it, ranked


@pytest.mark.parametrize("common", [False, True])
def test_a_search_for_open_statuses_finds_the_open_matches_in_scope_and_no_others(pg_engine, monkeypatch, common):
    """Open statuses are searched through a partial index of open documents: the same matches as
    any other filter, newest first, counted to the bound; a mix with closed reads every document.
    The same for a common word (matched row by row among open cases, or the facets tested first)."""
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 3)
    monkeypatch.setattr(postgres_backend, "COMMON_SHARE", 0.0 if common else 2.0)
    backend = PostgresSearchBackend(pg_engine)
    backend.ensure_schema()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    statuses = ["closed", "new", "in_progress", "rejected", "awaiting_statement", "acknowledged", "new", "closed"]
    backend.index([SearchDoc("case", n, "Fald", {"d": "fald på gangen"}, start + timedelta(days=n),
                             CaseFacets(scope_org_ids=(1 if n != 3 else 2,), status=status))
                   for n, status in enumerate(statuses, 1)])

    def ids(statuses, scope=(1,)):
        page = backend.search("fald", kind="case", session=session, allowed=FacetFilter(scope=scope, statuses=statuses),
                              order="date", limit=10)
        return [hit.id for hit in page.hits], page.total

    with Session(pg_engine) as session:
        assert ids(tuple(OPEN_STATUSES)) == ([7, 6, 5], Total(3, exact=False))  # 2 and 3 beyond the bound
        monkeypatch.setattr(postgres_backend, "CANDIDATES", 10)
        assert ids(tuple(OPEN_STATUSES)) == ([7, 6, 5, 2], 4)  # 3 is out of scope
        assert ids(("new",)) == ([7, 2], 2)
        assert ids(("new", "closed")) == ([8, 7, 2, 1], 4)
        assert ids(tuple(OPEN_STATUSES), scope=None) == ([7, 6, 5, 3, 2], 5)
