"""whoosh-only promises: deleted text leaves the disk, several processes share one index."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.index import TOC

from uth.search import make_backend
from uth.search.backend import SearchDoc
from uth.search.whoosh_backend import WhooshSearchBackend
from uth.search.whoosh_reader import Generation

SECRET = "zorblaxquiv"  # a word no stemmer changes, to look for in raw bytes


def _files_containing(directory: Path, needle: str) -> list[str]:
    return [path.name for path in directory.rglob("*") if path.is_file() and needle.encode() in path.read_bytes()]


def _doc(doc_id: int, text: str) -> SearchDoc:
    return SearchDoc("case", doc_id, "Hændelse", {"description": text})


def _ids(backend, query: str) -> set[int]:
    page = backend.search(query, kind="case", session=None, allowed=None, limit=100)
    return {hit.id for hit in page.hits}


def test_optimize_purges_a_deleted_documents_text_from_disk(tmp_path):
    backend = WhooshSearchBackend(str(tmp_path))
    backend.index([_doc(i, f"Fald nummer {i}.") for i in range(1, 30)])
    backend.index([_doc(99, f"Borgeren {SECRET} faldt.")])
    assert _ids(backend, SECRET) == {99}
    backend.delete([("case", 99)])
    assert _ids(backend, SECRET) == set()
    assert _files_containing(tmp_path, SECRET), "a delete alone only hides the text"
    backend.optimize()
    assert _files_containing(tmp_path, SECRET) == []
    assert _ids(backend, "fald") == set(range(1, 30))
    backend.close()


def test_replaced_text_is_purged_too(tmp_path):
    backend = WhooshSearchBackend(str(tmp_path))
    backend.index([_doc(1, f"Patientens navn {SECRET} stod i teksten.")])
    backend.index([_doc(1, "Patientens navn er fjernet.")])
    backend.optimize()
    assert _files_containing(tmp_path, SECRET) == []
    assert _ids(backend, "navn") == {1}
    backend.close()


def test_two_instances_on_one_directory_write_alternately(tmp_path):
    """Like two gunicorn workers: no LockError, and each sees the other's commits."""
    first, second = WhooshSearchBackend(str(tmp_path)), WhooshSearchBackend(str(tmp_path))
    for doc_id in range(1, 21):
        writer, reader = (first, second) if doc_id % 2 else (second, first)
        writer.index([_doc(doc_id, f"Fald nummer {doc_id}.")])
        assert doc_id in _ids(reader, "fald")
    second.delete([("case", 1)])
    first.optimize()
    assert _ids(first, "fald") == _ids(second, "fald") == set(range(2, 21))
    first.close()
    second.close()


def test_concurrent_writers_wait_for_the_lock(tmp_path):
    backends = [WhooshSearchBackend(str(tmp_path), writer_timeout=60) for _ in range(2)]
    errors: list[BaseException] = []

    def write(backend, start):
        try:
            for doc_id in range(start, start + 15):
                backend.index([_doc(doc_id, f"Fald nummer {doc_id}.")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(b, 1 + 100 * n)) for n, b in enumerate(backends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _ids(backends[0], "fald") == set(range(1, 16)) | set(range(101, 116))
    for backend in backends:
        backend.close()


def test_opening_the_index_while_another_worker_commits(tmp_path, monkeypatch):
    """Another worker's commit may delete the generation a worker has just found, before it opens
    it: the worker opens the newer one instead of failing with FileNotFoundError."""
    writer = WhooshSearchBackend(str(tmp_path))
    writer.index([_doc(1, "Fald.")])
    latest, raced = TOC._latest_generation, []

    def latest_then_another_commit(storage, indexname):
        generation = latest(storage, indexname)
        if not raced:
            raced.append(generation)
            writer.index([_doc(2, "Fald igen.")])  # replaces that generation and deletes its files
        return generation

    monkeypatch.setattr(TOC, "_latest_generation", staticmethod(latest_then_another_commit))
    opener = WhooshSearchBackend(str(tmp_path))
    assert _ids(opener, "fald") == {1, 2}
    assert raced == [1]
    opener.close()
    writer.close()


def test_finding_the_index_while_another_worker_commits(tmp_path, monkeypatch):
    """whoosh's exists_in opens the latest table of contents too: when another worker's commit has
    just deleted it (FileNotFoundError), a write looks again rather than failing (seen as a rare
    failure of test_concurrent_writers_wait_for_the_lock)."""
    WhooshSearchBackend(str(tmp_path)).index([_doc(1, "Fald.")])
    open_dir, raced = whoosh_index.open_dir, []

    def vanished_once(*args, **kwargs):
        if not raced:
            raced.append(True)
            raise FileNotFoundError(2, "No such file or directory", "_case_v1_0.toc")
        return open_dir(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", vanished_once)
    writer = WhooshSearchBackend(str(tmp_path))
    writer.index([_doc(2, "Fald igen.")])  # a write opens the index first (searches retry on their own)
    assert raced == [True]
    assert _ids(writer, "fald") == {1, 2}
    writer.close()


def test_a_search_whose_segments_are_merged_away_meanwhile(tmp_path, monkeypatch):
    """A search that has begun on a generation whose segments another worker then merges away
    (their files deleted) answers from the merged generation."""
    reader, writer = WhooshSearchBackend(str(tmp_path)), WhooshSearchBackend(str(tmp_path))
    writer.index([_doc(1, "Fald på gangen.")])
    writer.index([_doc(2, "Fald i badet.")])
    body, merged = Generation.body, []

    def merge_then_read(generation, leaf, docnum):
        if not merged:
            merged.append(True)
            writer.optimize()  # the text of the segments being read is deleted from disk
        return body(generation, leaf, docnum)

    monkeypatch.setattr(Generation, "body", merge_then_read)
    page = reader.search("fald", kind="case", session=None, allowed=None)
    assert merged and page.total == 2
    assert sorted(hit.id for hit in page.hits) == [1, 2]
    assert all("<mark>Fald</mark>" in hit.snippet for hit in page.hits)
    reader.close()
    writer.close()


def test_a_reader_sees_deletes_and_merges_made_elsewhere(tmp_path):
    """whoosh-reloaded's Searcher.refresh() would keep deleted documents and duplicate merged ones."""
    reader, writer = WhooshSearchBackend(str(tmp_path)), WhooshSearchBackend(str(tmp_path))
    writer.index([_doc(i, "Fald.") for i in range(1, 6)])
    writer.index([_doc(6, "Fald.")])
    assert _ids(reader, "fald") == set(range(1, 7))
    writer.delete([("case", 2)])
    writer.index([_doc(3, "Medicin.")])
    assert _ids(reader, "fald") == {1, 4, 5, 6}
    writer.optimize()
    page = reader.search("fald", kind="case", session=None, allowed=None)
    assert page.total == 4 and sorted(hit.id for hit in page.hits) == [1, 4, 5, 6]
    assert reader.doc_count("case") == 5
    reader.close()
    writer.close()


def test_many_small_commits_are_merged_now_and_then(tmp_path):
    backend = WhooshSearchBackend(str(tmp_path))
    for doc_id in range(1, 31):
        backend.index([_doc(doc_id, "Fald.")])
    segments = backend._ix("case")._segments()
    assert 1 <= len(segments) <= 9
    assert _ids(backend, "fald") == set(range(1, 31))
    backend.close()


def test_scope_with_a_session(tmp_path):
    """The allowed select is executed on the caller's session (here SQLite)."""
    from sqlalchemy import literal_column, select

    backend = make_backend("whoosh", index_dir=str(tmp_path))
    backend.index([_doc(1, "Fald."), _doc(2, "Fald.")])
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        allowed = select(literal_column("2"))
        page = backend.search("fald", kind="case", session=session, allowed=allowed)
    assert [hit.id for hit in page.hits] == [2] and page.total == 1
    engine.dispose()
    backend.close()


def test_a_dropped_instance_closes_its_files(tmp_path):
    """Segment files stay open between searches; an instance nobody closed must not leak them."""
    import gc
    import warnings

    def use_and_drop():
        backend = WhooshSearchBackend(str(tmp_path))
        backend.index([_doc(1, "Fald.")])
        assert _ids(backend, "fald") == {1}
        backend.cycle = backend  # dropped only by the cyclic garbage collector

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        use_and_drop()
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def _swap_in(backend: WhooshSearchBackend, docs: list[SearchDoc]) -> None:
    """A rebuild at the backend's level: build aside, then swap."""
    with backend.build_aside() as aside, aside.bulk() as add:
        add(docs)


def test_an_index_dir_of_the_old_layout_opens_and_is_replaced_by_a_rebuild(tmp_path):
    root = tmp_path / "index"
    old = WhooshSearchBackend(str(root))  # the layout of every deployment so far: the indexes in the root
    old.index([_doc(1, f"Fald ved {SECRET}."), _doc(2, "Fald på trappen.")])
    old.close()
    assert not (root / "CURRENT").exists()
    worker = WhooshSearchBackend(str(root))  # another worker, reading the old layout
    assert _ids(worker, "fald") == {1, 2} and _ids(worker, SECRET) == {1}
    rebuilder = WhooshSearchBackend(str(root))
    _swap_in(rebuilder, [_doc(2, "Fald på trappen."), _doc(3, "Fald i haven.")])
    assert _ids(rebuilder, "fald") == {2, 3}
    assert _ids(worker, "fald") == {2, 3} and _ids(worker, SECRET) == set()  # it noticed the swap
    assert _files_containing(root, SECRET) == []  # the root layout's files went with the swap
    _swap_in(rebuilder, [_doc(4, "Fald i køkkenet.")])
    assert _ids(worker, "fald") == {4}
    assert [p.name for p in root.iterdir() if p.is_dir()] == [(root / "CURRENT").read_text().strip()]
    worker.close()
    rebuilder.close()


def test_a_build_that_fails_leaves_the_live_index_and_no_directory(tmp_path):
    root = tmp_path / "index"
    backend = WhooshSearchBackend(str(root))
    backend.index([_doc(1, "Fald på gangen.")])
    try:
        with backend.build_aside() as aside:
            with aside.bulk() as add:
                add([_doc(2, "Fald i haven.")])
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    assert _ids(backend, "fald") == {1}
    assert not [p for p in root.iterdir() if p.is_dir()]
    backend.close()


def test_the_content_fields_fast_index_gives_the_analyzers_postings():
    from whoosh.fields import TEXT

    from uth.search.whoosh_query import ANALYZER, DanishText

    reference = TEXT(analyzer=ANALYZER, phrase=True)
    texts = ["Og så faldt patienten om natten, og hun faldt igen på vej til toilettet.",  # stop words first
             "Hændelse\nHændelse\nMedicineringen: dobbelt dosis Marevan (170845-4321) — IKKE afstemt i FMK!",
             "Crème brûlée, Ærø, ØSTER, Åbenrå, naïve façade, İstanbul, ﬁnans, ½ tablet, x_y-z 42 mg",
             "", "og i på", "et et et et fald fald"]
    for text in texts:
        assert list(DanishText().index(text)) == list(reference.index(text)), text


def test_a_bulk_build_ranks_as_whooshs_own_analyzer_and_writer_would(tmp_path, monkeypatch):
    """DanishText's postings and the bulk writer's in-memory field lengths change no byte of the
    segment's files (only the schema in the TOC names another field class), and no score."""
    from whoosh.fields import TEXT

    from uth.search import whoosh_backend
    from uth.search.whoosh_query import ANALYZER

    words = ["fald", "dosis", "natten", "trappen", "Marevan", "epikrise", "og", "på", "hjemmeplejen", "toilettet"]
    docs = [SearchDoc("case", n, f"Hændelse {words[n % 10]}",
                      {"description": " ".join(words[(n * k) % 10] for k in range(1, 3 + n % 17))}) for n in range(1, 120)]

    def build(name: str) -> WhooshSearchBackend:
        backend = WhooshSearchBackend(str(tmp_path / name))
        with backend.bulk() as add:
            add(docs[:60])
            add(docs[60:])
        return backend

    ours = build("ours")
    plain = whoosh_backend._schema()
    plain.remove("content")
    plain.add("content", TEXT(analyzer=ANALYZER, phrase=True))
    monkeypatch.setattr(whoosh_backend, "_schema", lambda: plain)
    monkeypatch.setattr(whoosh_backend, "_fast_bulk_writer", lambda writer: writer)
    reference = build("reference")

    def segment_files(name: str) -> list[bytes]:
        return sorted(p.read_bytes() for p in (tmp_path / name).iterdir() if p.name.startswith("case_") and "." in p.name)

    assert segment_files("ours") == segment_files("reference") and len(segment_files("ours")) > 3
    for query in ("fald", "dosis natten", '"dosis natten"', "marevan OR trappen", "hjemme*", "toilettet -fald"):
        for order in ("relevance", "date"):
            got, expected = (b.search(query, kind="case", session=None, allowed=None, limit=50, order=order)
                             for b in (ours, reference))
            assert (got.total, [(h.id, h.score) for h in got.hits]) == \
                   (expected.total, [(h.id, h.score) for h in expected.hits]), query
    ours.close()
    reference.close()


_SAMPLE = ["Patienten faldt på trappen om natten og slog hovedet.",
           "Medicineringen: dobbelt dosis Marevan, ikke afstemt i FMK ved udskrivelsen.",
           "Hjemmeplejen fik ingen epikrise; medicinlisten manglede ved overflytningen.",
           "Forkert patient fik blodprøven taget, navnebånd manglede.",
           "Faldet skete ved toilettet, alarmen virkede ikke og plejepersonalet kom sent.",
           "Dosis blev givet to gange, fordi kardex ikke var opdateret efter stuegang."]


def _sample_doc(n: int, version: int = 0) -> SearchDoc:
    text = " ".join(_SAMPLE[(n * k + version) % len(_SAMPLE)] for k in range(1, 2 + n % 4))
    return SearchDoc("case", n, f"Hændelse {n % 7}", {"description": text, "statements": _SAMPLE[(n + version) % 6]},
                     datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=n * 3 + version))


def test_a_backlog_through_one_writer_answers_as_documents_indexed_one_by_one(tmp_path):
    """An import's outbox is applied through `updating` (one writer): new documents, changed ones
    and deleted ones must be found exactly as when each was indexed (or deleted) by itself."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, select

    metadata = MetaData()
    scope = Table("scope", metadata, Column("id", Integer, primary_key=True), Column("org", String(5)))
    session = Session(create_engine("sqlite://"))
    metadata.create_all(session.connection())
    session.execute(scope.insert(), [{"id": n, "org": "a" if n % 3 else "b"} for n in range(1, 261)])
    earlier = [_sample_doc(n) for n in range(1, 41)]
    changed, dropped = [_sample_doc(n, version=1) for n in range(5, 16)], [("case", n) for n in range(20, 26)]
    backlog = [_sample_doc(n) for n in range(41, 261)] + changed
    backends = {}
    for name in ("one by one", "one writer"):
        backend = backends[name] = WhooshSearchBackend(str(tmp_path / name.replace(" ", "-")))
        for start in range(0, 40, 15):  # a live index of several segments
            backend.index(earlier[start:start + 15])
    for doc in backlog:
        backends["one by one"].index([doc])
    backends["one by one"].delete(dropped)
    with backends["one writer"].updating() as (put, drop):
        put(backlog[:200])
        drop(dropped)
        put(backlog[200:])

    def answers(backend, order: str):
        out = []
        for query in ("fald", "faldet", "dobbelt dosis", '"dobbelt dosis"', "medicin*", "hjemmeplejen OR kardex",
                      "fald -trappen", "epikrise", "hændelse"):
            for allowed in (None, select(scope.c.id).where(scope.c.org == "b")):
                page = backend.search(query, kind="case", session=session, allowed=allowed, limit=200, order=order)
                if order == "date":
                    out.append((query, page.total, [hit.id for hit in page.hits]))
                    continue
                # Equal scores may come in another order (the documents lie in another order on disk)
                # and the page may cut a tie: the scores, and each document above the page's lowest.
                scores = [round(hit.score, 9) for hit in page.hits]
                out.append((query, page.total, sorted(scores),
                            {hit.id: score for hit, score in zip(page.hits, scores) if score > min(scores)}))
        return out

    assert backends["one writer"].doc_count("case") == backends["one by one"].doc_count("case") == 254
    assert answers(backends["one writer"], "date") == answers(backends["one by one"], "date")
    for backend in backends.values():  # deleted documents still count in a segment's statistics until merged
        backend.optimize()
    assert answers(backends["one writer"], "relevance") == answers(backends["one by one"], "relevance")
    for backend in backends.values():
        backend.close()


def test_a_new_document_is_added_without_a_look_up_and_an_older_one_replaced(tmp_path, monkeypatch):
    """A document above every id the index holds (a new report) is added as it is; any other is
    looked up and replaced: one copy each, also when the same batch is written again (an outbox
    replayed after a crash), by another instance on the same directory, or below the newest id."""
    from whoosh.searching import Searcher

    looked_up: list[int] = []
    find = Searcher._find_unique
    monkeypatch.setattr(Searcher, "_find_unique", lambda self, uniques: (looked_up.append(int(uniques[0][1])), find(self, uniques))[1])
    backend = WhooshSearchBackend(str(tmp_path))
    backend.index([_doc(i, f"Fald nummer {i}.") for i in (1, 2, 3)])
    backend.index([_doc(7, "Borgeren faldt i badet.")])
    assert looked_up == []
    backend.index([_doc(7, "Borgeren faldt i køkkenet."), _doc(5, "Kateter glemt."), _doc(8, "Medicin forbyttet.")])
    assert sorted(looked_up) == [5, 7]  # 8 is new; 5 lies below the newest id, so it is looked for
    other = WhooshSearchBackend(str(tmp_path))  # another worker: nothing read yet
    other.index([_doc(8, "Medicin forbyttet igen."), _doc(9, "Epikrise mangler.")])
    assert sorted(looked_up) == [5, 7, 8]
    backend.index([_doc(9, "Epikrise mangler.")])  # written again
    assert _ids(backend, "badet") == set() and _ids(backend, "køkkenet") == {7}
    assert _ids(backend, "forbyttet") == {8} and _ids(backend, "epikrise") == {9}
    assert _ids(backend, "fald") == {1, 2, 3, 7}
    assert backend._ix("case").doc_count() == 7  # 1, 2, 3, 5, 7, 8, 9: one copy each
    backend.close()
    other.close()
