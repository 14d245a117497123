"""`uth import-reports FILE` (SPEC §15): good lines land, bad lines write nothing and are named."""
import json
from datetime import date, datetime, timezone

from sqlalchemy import select

from tests.factories import make_org, make_user, report_data
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.reports.models import Case


def _line(**overrides) -> str:
    return json.dumps(report_data(event_org="H", **overrides), ensure_ascii=False)


def _setup(app):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("nurse@h.dk", "reporter", "H")


def _cases(app):
    with app.app_context():
        return [(c.title, c.received_at, c.acknowledge_by, c.close_by, c.reporter_user.email if c.reporter_user else None)
                for c in db.session.scalars(select(Case).order_by(Case.id))]


def test_good_lines_land_bad_lines_are_listed_with_their_numbers(app, runner, tmp_path):
    _setup(app)
    lines = [
        _line(title="Før påske", received_at="2026-03-31T10:00:00+02:00", occurred_at="2026-03-30T14:00:00+02:00"),
        "",
        '{"title": "Halv linje",',
        _line(title=None),
        _line(title="Fremtidig", received_at="2027-01-01T10:00:00+01:00"),
        _line(title="Fra sygeplejersken", reporter_email="nurse@h.dk"),
        _line(title="Ukendt indberetter", reporter_email="ghost@h.dk"),
    ]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip() == "imported 2, rejected 4"
    errors = result.stderr.strip().splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5", "line 7"]
    assert errors[0].startswith("line 3: json: Ugyldig JSON")
    assert errors[1].startswith("line 4: title: ")
    assert errors[2] == "line 5: received_at: Modtagelsestidspunktet må ikke ligge i fremtiden"
    assert errors[3] == "line 7: reporter_email: Ukendt bruger"
    cases = _cases(app)
    assert [c[0] for c in cases] == ["Før påske", "Fra sygeplejersken"]
    easter = cases[0]
    assert easter[1] == datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc)
    # 3 working days from Tuesday 31 March 2026 skip skærtorsdag, langfredag, the weekend and 2. påskedag.
    assert easter[2] == date(2026, 4, 8)
    assert easter[3] == date(2026, 6, 29)
    assert cases[1][4] == "nurse@h.dk" and easter[4] is None
    with app.app_context():
        imported = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.imported")).all()
        assert len(imported) == 2


def test_all_good_exits_zero(app, runner, tmp_path):
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text(_line() + "\n\n" + _line(title="Nummer to") + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 2, rejected 0" and result.stderr == ""
    assert len(_cases(app)) == 2


def test_only_bad_lines_write_nothing(app, runner, tmp_path):
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text("[1, 2]\n" + _line(description="kort") + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip() == "imported 0, rejected 2"
    assert result.stderr.startswith("line 1: body: ") and "line 2: description: " in result.stderr
    assert _cases(app) == []


def test_imported_history_sends_no_new_case_mail(app, runner, tmp_path):
    from uth.notifications.models import OutboxMessage

    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text(_line(received_at="2026-01-05T10:00:00+01:00", occurred_at="2026-01-04T10:00:00+01:00") + "\n", encoding="utf-8")
    assert runner.invoke(args=["uth", "import-reports", str(path)]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_an_event_after_its_receipt_is_refused_with_that_reason(app, runner, tmp_path):
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text(_line(received_at="2023-05-04T10:00:00+02:00", occurred_at="2023-05-06T10:00:00+02:00") + "\n",
                    encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "line 1: occurred_at: Hændelsen kan ikke være sket efter, at rapporten blev modtaget"
    assert _cases(app) == []


def test_history_past_its_deadlines_shows_overdue_without_flooding_the_inboxes(app, runner, tmp_path):
    """Cases moved in from another system that missed their deadlines there are overdue in the
    queue, but the next sweep does not mail about deadlines that passed before the import."""
    from tests.conftest import FIXED_NOW
    from uth.handling.sweep import sweep_deadlines
    from uth.notifications.models import OutboxMessage

    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(_line(title=f"Gammel {n}", received_at=f"2023-05-0{n}T10:00:00+02:00",
                                  occurred_at="2023-05-01T10:00:00+02:00") + "\n" for n in (2, 3)), encoding="utf-8")
    assert runner.invoke(args=["uth", "import-reports", str(path)]).exit_code == 0
    with app.app_context():
        result = sweep_deadlines(now=FIXED_NOW)
        db.session.commit()
        assert (result.recorded, result.notified) == (0, 0)
        assert db.session.scalars(select(OutboxMessage)).all() == []
        imported = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.imported")).all()
        assert [e.detail["deadlines_missed"] for e in imported] == [2, 2]  # acknowledge_by and close_by
    from tests.factories import make_token
    with app.app_context():
        from uth.auth.services import find_user
        token = make_token(find_user("rm@h.dk"))
    queue = app.test_client().get("/api/v1/cases?overdue=true", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert queue["total"] == 2 and all(set(c["overdue"]) == {"acknowledge_by", "close_by"} for c in queue["items"])


def test_a_line_the_write_refuses_is_named_and_the_rest_of_its_batch_lands(app, runner, tmp_path, monkeypatch):
    """Lines are written a batch at a time; a refusal only the write finds undoes the batch, which
    is then written line by line: that line alone is rejected, with its number, and leaves nothing."""
    from uth.errors import DomainError
    from uth.reports import importing
    from uth.search.models import SearchOutbox

    real = importing._write

    def refusing(batch, **kw):
        references = real(batch, **kw)  # written, then refused: the savepoint must take it all back
        if any(report.title == "Afvist ved skrivning" for _number, _reporter, report in batch):
            raise DomainError("Afvist af databasen")
        return references

    monkeypatch.setattr(importing, "_write", refusing)
    monkeypatch.setattr(importing, "BATCH", 3)
    _setup(app)
    titles = ["Et", "To", "Afvist ved skrivning", "Fire", "Fem"]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(_line(title=t) for t in titles) + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip() == "imported 4, rejected 1"
    assert result.stderr.strip() == "line 3: report: Afvist af databasen"
    assert [c[0] for c in _cases(app)] == ["Et", "To", "Fire", "Fem"]
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.imported")).all()
        assert len(audited) == 4
        references = [r for (r,) in db.session.execute(select(Case.reference).order_by(Case.id))]
        assert references == sorted(references) and len(set(references)) == 4
        from uth.reports.models import CaseEvent
        assert len(db.session.scalars(select(CaseEvent)).all()) == 4  # nothing of the refused line's history
        assert db.session.scalars(select(SearchOutbox)).all() == []  # the index has them (applied at the commit)


def test_a_progress_bar_on_a_terminal_only(app, runner, tmp_path, monkeypatch):
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text(_line() + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.stderr == ""  # not a terminal: nothing but the rejected lines on stderr
    from uth.reports import cli

    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)  # the runner's stderr as a terminal
    path.write_text(_line(title="Nummer to") + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 0 and "100%" in result.stderr and result.stdout.strip() == "imported 1, rejected 0"


def _as_stored(case_id: int) -> dict:
    """What a case is in the database, without what differs between any two cases (id, number, receipt)."""
    from uth.reports.models import CaseEvent, CaseOrg

    case = db.session.get(Case, case_id)
    row = {c.key: getattr(case, c.key) for c in Case.__table__.columns
           if c.key not in ("id", "reference", "seq", "receipt_hash", "staff_receipt_code")}
    row["involved"] = sorted((link.org.code, link.role) for link in db.session.scalars(select(CaseOrg).where(CaseOrg.case_id == case_id)))
    row["events"] = [(e.at, e.actor_id, e.action, e.detail) for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
    from uth.audit.services import pending_entries

    entries = [*db.session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)),
               *(e for e in pending_entries() if e.case_id == case_id)]  # a submission's, chained at commit
    row["audit"] = [(e.action, e.actor_label, e.org_id, {k: v for k, v in e.detail.items() if k != "reference"})
                    for e in entries]
    return row


def test_an_imported_case_is_what_a_submission_makes_searchable_and_in_the_audit_chain(app, runner, tmp_path):
    """The import writes its cases in bulk, past the ORM's flush: each is still what a submission
    makes of the same report (routing, involved organisations, deadlines, history, audit rows), the
    search index has it, the audit chain verifies and its missed deadlines show in the overdue queue."""
    from tests.conftest import FIXED_NOW
    from tests.factories import make_token
    from uth.auth.services import find_user
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report
    from uth.search.models import SearchOutbox

    _setup(app)
    with app.app_context():
        make_org("K", "municipality")
        make_user("rm@k.dk", "risk_manager", "K")
    fields = dict(title="Epikrise uden medicinliste", received_at="2026-01-05T10:00:00+01:00",
                  occurred_at="2026-01-04T10:00:00+01:00", reporter_email="nurse@h.dk",
                  description="Hjemmeplejen fik epikrisen uden medicinliste og måtte ringe til afdelingen.",
                  transition={"type": "udskrivelse", "from_org": "H", "to_org": "K"})
    path = tmp_path / "reports.jsonl"
    path.write_text(_line(**fields) + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [imported_id] = db.session.scalars(select(Case.id))
        nurse = find_user("nurse@h.dk")
        data = parse_report(json.loads(_line(**fields)), public=False, reporter=nurse, now=FIXED_NOW, allow_received_at=True)
        submitted, _ = submit_report(nurse, data, now=FIXED_NOW, notify=False)
        db.session.flush()
        imported, expected = _as_stored(imported_id), _as_stored(submitted.id)
        assert imported["audit"][-1][:2] == ("case.imported", "system")  # and its missed deadlines
        imported["audit"] = imported["audit"][:-1]
        assert imported == expected
        assert imported["involved"] == [("K", "involved")] and imported["cross_sector"] is True
        db.session.rollback()
        assert db.session.scalars(select(SearchOutbox)).all() == []  # applied at the import's commit
        token = make_token(find_user("rm@h.dk"))
    headers = {"Authorization": f"Bearer {token}"}
    found = app.test_client().get("/api/v1/search", query_string={"q": "medicinliste"}, headers=headers).get_json()
    assert [item["title"] for item in found["items"]] == ["Epikrise uden medicinliste"]
    queue = app.test_client().get("/api/v1/cases?overdue=true", headers=headers).get_json()
    assert [c["title"] for c in queue["items"]] == ["Epikrise uden medicinliste"]
    verified = runner.invoke(args=["uth", "audit-verify"])
    assert verified.exit_code == 0, verified.output


def test_a_backlog_bigger_than_a_batch_is_searchable_after_the_import(app, runner, tmp_path, monkeypatch):
    """An import's outbox rows (more than one batch of them) go through one index writer: every
    imported case is found by its own word and all by a common one, and the outbox is empty."""
    from tests.factories import make_token
    from uth.auth.services import find_user
    from uth.search import indexing
    from uth.search.models import SearchOutbox

    monkeypatch.setattr(indexing, "BATCH", 3)  # 3 outbox rows a batch: 8 imported cases are a backlog
    _setup(app)
    words = ["marevan", "sondemad", "kardex", "navnebånd", "blodprøve", "toilettet", "trappen", "alarmen"]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(_line(title=f"Hændelse med {w}") for w in words) + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(SearchOutbox)).all() == []
        token = make_token(find_user("rm@h.dk"))
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def titles(q: str) -> list[str]:
        found = app.test_client().get("/api/v1/search", query_string={"q": q}, headers=headers).get_json()
        return [item["title"] for item in found["items"]]

    assert {w: titles(w) for w in words} == {w: [f"Hændelse med {w}"] for w in words}
    assert sorted(titles("hændelse")) == sorted(f"Hændelse med {w}" for w in words)


def _index_contents(app) -> dict:
    """What the live case index holds of its live documents: each term's (case id, weight) postings,
    each document's stored columns and content length (no docnums: those differ between builds)."""
    import os

    from whoosh import index as whoosh_index

    from uth.search.whoosh_backend import SCHEMA_VERSION, _read_current

    root = app.config["UTH_INDEX_DIR"]
    ix = whoosh_index.open_dir(os.path.join(root, _read_current(root)), indexname=f"case_v{SCHEMA_VERSION}")
    with ix.searcher() as searcher:
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            ix.close()
            return {"docs": {}, "postings": {}}
        live = [docnum for docnum in reader.all_doc_ids() if not reader.is_deleted(docnum)]
        ids, received, body = (reader.column_reader(name) for name in ("id", "received", "body"))
        docs = {ids[d]: (received[d], body[d], reader.doc_field_length(d, "content")) for d in live}
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            found = []
            while matcher.is_active():
                if not reader.is_deleted(matcher.id()):
                    found.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            if found:
                postings[(fieldname, text)] = sorted(found)
    ix.close()
    return {"docs": docs, "postings": postings}


def _no_outbox_applier(monkeypatch):
    """The outbox's own way to the index fails: only a writer beside the import can index it."""
    from uth.search import indexing

    def refused(*args, **kwargs):
        raise OSError("the outbox's applier is not used here")

    monkeypatch.setattr(indexing, "_write_bulk", refused)
    monkeypatch.setattr(indexing, "_write", refused)


def test_an_import_is_indexed_beside_it_and_its_index_is_what_reindex_builds(app, runner, tmp_path, monkeypatch):
    """Several batches: their documents are written in another process as the import goes on
    (built from the imported cases, not read back) and committed after the import's commit, the
    outbox emptied then. The index is what `uth reindex` builds from the database, posting for
    posting; a case already in the index (a second import) is replaced, not doubled."""
    from uth.reports import importing
    from uth.search import indexing
    from uth.search.models import SearchOutbox

    monkeypatch.setattr(importing, "BATCH", 3)
    monkeypatch.setattr(indexing, "BESIDE_MIN", 4)
    _setup(app)
    words = ["marevan", "sondemad", "kardex", "navnebånd", "blodprøve", "toilettet", "trappen", "alarmen", "hoftefraktur"]
    lines = [_line(title=f"Hændelse med {w}", description=f"Patienten og {w} igen, {w}.",
                   transition={"type": "udskrivelse", "from_org": "H", "to_org": "H"} if i % 2 else None)
             for i, w in enumerate(words)]
    lines.insert(4, _line(title=None))
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with monkeypatch.context() as patched:
        _no_outbox_applier(patched)
        result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 1 and result.stdout.strip() == "imported 9, rejected 1", result.output
    with app.app_context():
        assert db.session.scalars(select(SearchOutbox)).all() == []
        case_ids = set(db.session.scalars(select(Case.id)))
    imported = _index_contents(app)
    assert set(imported["docs"]) == case_ids and len(case_ids) == 9
    assert len(imported["postings"][("content", b"marevan")]) == 1 and imported["postings"][("key", str(min(case_ids)).encode())]
    assert runner.invoke(args=["uth", "reindex"]).exit_code == 0
    assert _index_contents(app) == imported


def test_an_import_beside_an_index_with_cases_keeps_one_document_each(app, runner, tmp_path, monkeypatch):
    """A second import beside an index that has the first one's cases: the index then holds every
    case once, as reindex builds it."""
    from uth.reports import importing
    from uth.search import indexing

    monkeypatch.setattr(importing, "BATCH", 2)
    monkeypatch.setattr(indexing, "BESIDE_MIN", 2)
    _setup(app)
    path = tmp_path / "reports.jsonl"
    for round_ in ("første", "anden"):
        path.write_text("\n".join(_line(title=f"{round_} {n}") for n in range(5)) + "\n", encoding="utf-8")
        with monkeypatch.context() as patched:
            _no_outbox_applier(patched)
            assert runner.invoke(args=["uth", "import-reports", str(path)]).exit_code == 0
    imported = _index_contents(app)
    assert len(imported["docs"]) == 10
    assert runner.invoke(args=["uth", "reindex"]).exit_code == 0
    assert _index_contents(app) == imported


def test_a_failing_commit_leaves_no_index_documents(app, runner, tmp_path, monkeypatch):
    """The commit fails after every batch was indexed beside the import: the segment written beside
    is dropped (no document of the import in the index), its process has ended and the index's
    locks are free: the next import is indexed, and the index then holds what the database holds."""
    import multiprocessing

    from uth.audit import services as audit_services
    from uth.reports import importing
    from uth.search import indexing

    monkeypatch.setattr(importing, "BATCH", 2)
    monkeypatch.setattr(indexing, "BESIDE_MIN", 2)
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(_line(title=f"Tabt hændelse {n}") for n in range(5)) + "\n", encoding="utf-8")
    with monkeypatch.context() as patched:
        def broken(session, entries):
            raise RuntimeError("the disk is full")

        patched.setattr(audit_services, "append", broken)  # the audit chain at the commit
        result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert isinstance(result.exception, RuntimeError)
    assert multiprocessing.active_children() == []
    assert _index_contents(app)["docs"] == {}
    with app.app_context():
        assert db.session.scalars(select(Case.title)).all() == []  # nothing half-written, the first batch neither
    path.write_text("\n".join(_line(title=f"Fundet hændelse {n}") for n in range(3)) + "\n", encoding="utf-8")
    assert runner.invoke(args=["uth", "import-reports", str(path)]).exit_code == 0
    with app.app_context():
        in_database = set(db.session.scalars(select(Case.id)))
        found = set(db.session.scalars(select(Case.id).where(Case.title.like("Fundet%"))))
    assert len(found) == 3 and set(_index_contents(app)["docs"]) == in_database


def test_an_import_whose_index_writer_dies_is_indexed_through_the_outbox(app, runner, tmp_path, monkeypatch):
    """The process writing the index beside the import dies: the import still commits every case,
    and the outbox, left whole, indexes them after the commit."""
    from tests.factories import make_token
    from uth.auth.services import find_user
    from uth.reports import importing
    from uth.search import indexing, whoosh_backend
    from uth.search.models import SearchOutbox

    monkeypatch.setattr(importing, "BATCH", 2)
    monkeypatch.setattr(indexing, "BESIDE_MIN", 2)
    real_put = whoosh_backend.BesideWriter.put

    def dying(self, docs):
        real_put(self, docs)
        self._process.kill()

    monkeypatch.setattr(whoosh_backend.BesideWriter, "put", dying)
    _setup(app)
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(_line(title=f"Hændelse {n}") for n in range(5)) + "\n", encoding="utf-8")
    result = runner.invoke(args=["uth", "import-reports", str(path)])
    assert result.exit_code == 0 and result.stdout.strip() == "imported 5, rejected 0", result.output
    with app.app_context():
        assert len(db.session.scalars(select(Case)).all()) == 5 and db.session.scalars(select(SearchOutbox)).all() == []
        token = make_token(find_user("rm@h.dk"))
        db.session.commit()
    found = app.test_client().get("/api/v1/search", query_string={"q": "hændelse"},
                                  headers={"Authorization": f"Bearer {token}"}).get_json()
    assert found["total"] == 5
