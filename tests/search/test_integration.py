"""Search wired into the app (SPEC §12): indexed after commit, scoped before counting, through the API."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import login
from tests.factories import make_org, make_token, make_user, report_data
from uth.extensions import db
from uth.search import postgres_backend
from uth.search.indexing import get_backend, pending_count


# The app's search backends; the postgres runs belong to the PostgreSQL pass (tests/conftest.py).
@pytest.fixture(autouse=True, params=["whoosh", "postgres"])
def backend_name(request, app) -> str:
    app.config["UTH_SEARCH_BACKEND"] = request.param
    return request.param


@pytest.fixture
def region(app):
    """Region R over hospital H and kommune K (cluster KL1), kommune K2 apart (KL2), each with a risk manager; reporters in H and K."""
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R", cluster="KL1")
        make_org("H-MED", "hospital", parent="H", cluster="KL1")
        make_org("K", "kommune", parent="R", cluster="KL1")
        make_org("K-HJ", "kommune", parent="K", cluster="KL1")
        make_org("K2", "kommune", cluster="KL2")
        users = {
            "nurse": make_user("nurse@h.dk", "reporter", "H-MED"),
            "helper": make_user("helper@k.dk", "reporter", "K-HJ"),
            "rm_h": make_user("rm@h.dk", "risk_manager", "H"),
            "rm_k": make_user("rm@k.dk", "risk_manager", "K"),
            "rm_k2": make_user("rm@k2.dk", "risk_manager", "K2"),
            "central": make_user("central@r.dk", "central_risk_manager", "R"),
            "forum": make_user("forum@kl1.dk", "forum_member", "KL1"),
        }
        headers = {name: {"Authorization": f"Bearer {make_token(u)}"} for name, u in users.items()}
    return SimpleNamespace(headers=headers)


def submit(client, region, who="nurse", **fields):
    response = client.post("/api/v1/reports", json=report_data(**fields), headers=region.headers[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def search(client, region, query, who="rm_h", expect=200, **params):
    response = client.get("/api/v1/search", query_string={"q": query, **params}, headers=region.headers[who])
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def refs(body) -> set[str]:
    return {item["reference"] for item in body["items"]}


def test_a_submitted_case_is_found_by_the_next_request_with_danish_stemming(client, region):
    ref = submit(client, region, title="Fald på badeværelset",
                 description="Patienten faldt om natten på vej til toilettet og slog hovedet mod håndvasken.")
    body = search(client, region, "faldet")  # fald / faldt / faldet share a stem
    assert body["total"] == 1 and refs(body) == {ref}
    item = body["items"][0]
    assert item["title"] == "Fald på badeværelset" and "<mark>" in item["snippet"] and item["score"] > 0
    assert search(client, region, "håndvask*")["total"] == 1


def test_phrases_or_not_and_prefix_through_the_api(client, region):
    night = submit(client, region, title="Fald om natten", description="Patienten faldt om natten ved sengen uden alarm.")
    day = submit(client, region, title="Fald om dagen", description="Patienten faldt om dagen i træningslokalet under øvelse.")
    pills = submit(client, region, title="Forkert dosis", description="Medicineringen blev givet med dobbelt dosis af Marevan.")
    assert refs(search(client, region, '"faldt om natten"')) == {night}
    assert refs(search(client, region, "natten OR Marevan")) == {night, pills}
    assert refs(search(client, region, "faldt -natten")) == {day}
    assert refs(search(client, region, "faldt NOT træningslokalet")) == {night}
    assert refs(search(client, region, "medicin*")) == {pills}  # prefix reaches the compound word
    assert refs(search(client, region, "medicineringen")) == {pills}


def test_a_risk_manager_of_another_kommune_gets_total_zero(client, region):
    submit(client, region, title="Epikrise forsinket", description="Epikrisen om Ydunsvej-patienten kom tre dage for sent frem.")
    assert search(client, region, "Ydunsvej*", who="rm_h")["total"] == 1
    assert search(client, region, "Ydunsvej*", who="central")["total"] == 1
    other = search(client, region, "Ydunsvej*", who="rm_k2")
    assert other == {"total": 0, "items": [], "page": 1, "per_page": 20}
    assert search(client, region, "Ydunsvej*", who="nurse")["total"] == 0  # reporters search learning only
    assert search(client, region, "Ydunsvej*", who="forum")["total"] == 0


def test_after_a_transfer_the_old_organisations_risk_manager_no_longer_finds_the_case(client, region):
    """Scope follows the case's handling organisation: whatever the index keeps about a case, a
    search never shows it to an organisation that no longer handles it (SPEC §12)."""
    ref = submit(client, region, title="Forkert afdeling", description="Borgeren fra Quillavej blev sendt hjem uden genoptræningsplan.")
    assert refs(search(client, region, "Quillavej", who="rm_h")) == {ref}
    assert search(client, region, "Quillavej", who="rm_k")["total"] == 0
    response = client.post(f"/api/v1/cases/{ref}/actions", json={"action": "transfer", "org": "K", "comment": "Kommunens sag"},
                           headers=region.headers["rm_h"])
    assert response.status_code == 200, response.get_json()
    assert search(client, region, "Quillavej", who="rm_h") == {"total": 0, "items": [], "page": 1, "per_page": 20}
    assert refs(search(client, region, "Quillavej", who="rm_k")) == {ref}
    assert refs(search(client, region, "Quillavej", who="central")) == {ref}  # still handled in the region
    assert search(client, region, "Quillavej", who="rm_k2")["total"] == 0


def test_more_matches_than_the_bound_are_shown_as_more_than(app, client, region, backend_name, monkeypatch):
    """PostgreSQL counts a broad search only up to CANDIDATES: the API says the total is not exact,
    the page says "more than"; a scope with fewer matches is counted exactly. whoosh counts all."""
    monkeypatch.setattr(postgres_backend, "CANDIDATES", 2)
    for n in range(3):
        submit(client, region, title=f"Kolibri {n}", description="Kolibrien i venteværelset var igen uden vand.")
    submit(client, region, who="helper", title="Kolibri i hjemmet", description="Kolibrien hos borgeren manglede vand.")
    bounded = backend_name == "postgres"
    hospital = search(client, region, "kolibri*")
    assert (hospital["total"], hospital.get("total_exact")) == ((2, False) if bounded else (3, None))
    assert len(hospital["items"]) == 2 if bounded else 3
    kommune = search(client, region, "kolibri*", who="rm_k")
    assert kommune["total"] == 1 and "total_exact" not in kommune  # only its own case: counted exactly
    assert search(client, region, "kolibri*", who="rm_k2") == {"total": 0, "items": [], "page": 1, "per_page": 20}
    login(client, "rm@h.dk")
    html = client.get("/search?q=kolibri*").get_data(as_text=True)
    assert ("Mere end 2 resultater" in html) if bounded else ("3 resultater" in html), html[html.find("result-count") - 20:][:400]


def test_filters_narrow_before_counting(app, client, region):
    hospital = submit(client, region, title="Tryksår på hælen", description="Tryksår opstod under indlæggelsen på hælen.",
                      actual_consequence="minor", possible_consequence="minor")
    kommune = submit(client, region, who="helper", title="Tryksår i hjemmet",
                     description="Tryksår opdaget ved besøg i hjemmeplejen efter udskrivelse.")
    both = {hospital, kommune}
    assert refs(search(client, region, "tryksår", who="central")) == both
    assert refs(search(client, region, "tryksår", who="central", org="K")) == {kommune}
    assert refs(search(client, region, "tryksår", who="central", org="H")) == {hospital}
    assert refs(search(client, region, "tryksår", who="central", severity="minor_consequence")) == {hospital}
    assert refs(search(client, region, "tryksår", who="central", severity="serious_risk")) == {kommune}
    assert refs(search(client, region, "tryksår", who="central", status="new")) == both
    assert search(client, region, "tryksår", who="central", status="closed")["total"] == 0
    # FIXED_NOW is Monday 23 November 10:00 in Copenhagen: received that local day
    assert search(client, region, "tryksår", who="central", received_from="2026-11-23", received_to="2026-11-23")["total"] == 2
    assert search(client, region, "tryksår", who="central", received_to="2026-11-22")["total"] == 0
    assert search(client, region, "tryksår", who="central", received_from="2026-11-24")["total"] == 0
    page = search(client, region, "tryksår", who="central", per_page=1, page=2, order="date")
    assert page["total"] == 2 and len(page["items"]) == 1
    bad = search(client, region, "tryksår", who="central", expect=422, severity="worst", org="NOPE", received_from="23-11-2026")
    assert set(bad["errors"]) == {"severity", "org", "received_from"}


def test_event_type_filter_matches_the_code_and_its_children(app, client, region):
    child = submit(client, region, title="Dosis", description="Forkert dosis ordineret af vagtlægen om aftenen.",
                   event_type="medicinering.ordination.forkert_dosis")
    submit(client, region, title="Dosis i hjemmet", description="Forkert dosis dispenseret i hjemmeplejen om aftenen.",
           event_type="medicinering.dispensering.forkert_dosis")
    assert refs(search(client, region, "dosis", who="central", event_type="medicinering.ordination")) == {child}
    assert search(client, region, "dosis", who="central", event_type="medicinering")["total"] == 2
    # the taxonomy label is searchable text too
    assert refs(search(client, region, "ordineret", who="central")) == {child}


def test_hostile_queries_answer_200_or_422_never_500(client, region):
    submit(client, region, title="Fald", description="Patienten faldt på gangen ved middagstid i dag.")
    for q in ['"', '"""', "(((", ")", "NOT", "-", "*", "a*", "OR OR", "fald OR", "-fald", "NOT fald",
              "' OR 1=1 --", "fald'; DROP TABLE cases; --", "\x00fald", "fald\x01\x02", "<script>alert(1)</script>",
              "x" * 5000, "fald " * 200, "((((((((((((fald))))))))))))", "🙂", "fald:*", "fald & !x | y", "%_\\"]:
        response = client.get("/api/v1/search", query_string={"q": q}, headers=region.headers["rm_h"])
        assert response.status_code in (200, 422), (q, response.status_code)
        if response.status_code == 422:
            assert list(response.get_json()["errors"]) == ["q"] and response.get_json()["errors"]["q"][0]
    assert search(client, region, "", expect=422)["errors"]["q"]
    assert search(client, region, "   ", expect=422)["errors"]["q"]
    assert client.get("/api/v1/search", headers=region.headers["rm_h"]).status_code == 422
    assert search(client, region, "fald", expect=422, page="0")["errors"] == {"page": ["Must be between 1 and 10000"]}
    assert "order" in search(client, region, "fald", expect=422, order="best")["errors"]
    assert client.get("/api/v1/search?q=fald").status_code == 401


def test_statement_answers_and_closing_texts_become_searchable(app, client, region):
    ref = submit(client, region, title="Epikrise", description="Epikrisen blev ikke sendt til kommunen ved udskrivelsen.")
    act = lambda who, action, **kw: client.post(f"/api/v1/cases/{ref}/actions", json={"action": action, **kw},
                                                headers=region.headers[who])
    assert act("rm_h", "assign", assignee="rm@h.dk").status_code == 200
    statement = act("rm_h", "request_statement", org="K-HJ", question="Hvornår kom epikrisen?").get_json()["statements"][0]
    assert search(client, region, "Korsbæk*")["total"] == 0
    assert act("rm_k", "respond", statement_id=statement["id"], text="Den kom via Korsbækportalen efter tre dage.").status_code == 200
    assert refs(search(client, region, "Korsbæk*")) == {ref}
    assert search(client, region, "Korsbæk*", who="rm_k")["total"] == 1  # involved kommune: limited view, still visible


def test_rollback_leaves_nothing_indexed_or_pending(app, region):
    from uth.auth.services import find_user
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report

    with app.app_context():
        nurse = find_user("nurse@h.dk")
        data = parse_report(report_data(description="Rulles tilbage: Quokkaflyvning blev aldrig gemt i databasen."),
                            public=False, reporter=nurse, now=app.config["UTH_FIXED_NOW"])
        submit_report(nurse, data, now=app.config["UTH_FIXED_NOW"])
        db.session.flush()
        assert pending_count() == 1  # written in the transaction ...
        db.session.rollback()
        assert pending_count() == 0  # ... and gone with it
        backend = get_backend()
        assert backend.doc_count("case") == 0
        rm = find_user("rm@h.dk")
        from uth.search.services import search_cases

        assert search_cases(rm, "Quokkaflyvning") == (0, [])


CRASHING_WORKER = """
import os, sys
from sqlalchemy import event
from uth import create_app
from uth.extensions import db
from uth.auth.services import find_user
from uth.clock import utcnow
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from tests.factories import report_data

app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UTH_INDEX_DIR": sys.argv[2],
                             "UTH_SEARCH_BACKEND": sys.argv[3]})
with app.app_context():
    nurse = find_user("nurse@h.dk")
    now = utcnow()
    data = parse_report(report_data(description="Efter et nedbrud: Vombatfodring blev glemt på afdelingen."),
                        public=False, reporter=nurse, now=now)
    submit_report(nurse, data, now=now)
    # die right after the commit, before any index write (first in line of the after_commit listeners)
    event.listen(db.session, "after_commit", lambda session: os._exit(3), insert=True)
    db.session.commit()
print("not reached")
"""


def test_an_update_committed_by_a_process_that_died_is_replayed(app, client, region, backend_name):
    """The outbox row commits with the case; the next process applies it before its first search."""
    import subprocess
    import sys

    from uth.search import make_backend

    index_dir = app.config["UTH_INDEX_DIR"]
    done = subprocess.run([sys.executable, "-c", CRASHING_WORKER, app.config["SQLALCHEMY_DATABASE_URI"], index_dir, backend_name],
                          check=False, capture_output=True, text=True, timeout=120, cwd=str(Path(__file__).parents[2]))
    assert done.returncode == 3, done.stderr
    with app.app_context():
        assert pending_count() == 1
        untouched = make_backend(backend_name, index_dir=index_dir, engine=db.engine)
        assert untouched.doc_count("case") == 0  # the crash happened before the index write
        getattr(untouched, "close", lambda: None)()
    body = search(client, region, "Vombatfodring")  # this process's first search replays the outbox
    assert body["total"] == 1
    with app.app_context():
        assert pending_count() == 0


def test_reindex_rebuilds_after_the_index_directory_is_deleted(app, client, region, runner, backend_name):
    import shutil

    first = submit(client, region, title="Fald", description="Patienten faldt ved Lemurtrappen om eftermiddagen.")
    second = submit(client, region, title="Fald igen", description="Endnu et fald ved Lemurtrappen samme uge.")
    if backend_name == "whoosh":
        shutil.rmtree(app.config["UTH_INDEX_DIR"])
    else:
        with app.app_context():
            get_backend().clear()
        assert search(client, region, "lemurtrappen")["total"] == 0
    result = runner.invoke(args=["uth", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"indexed 2 cases and 0 learning summaries ({backend_name})" in result.stdout
    assert refs(search(client, region, "lemurtrappen")) == {first, second}
    again = runner.invoke(args=["uth", "reindex"])  # idempotent: no duplicates
    assert again.exit_code == 0 and search(client, region, "lemurtrappen")["total"] == 2


def _index_bytes(app, backend_name: str) -> bytes:
    """Everything the index keeps: whoosh's files, or the PostgreSQL document rows (text and lexemes)."""
    if backend_name == "whoosh":
        return b"".join(path.read_bytes().lower() for path in Path(app.config["UTH_INDEX_DIR"]).rglob("*") if path.is_file())
    from sqlalchemy import text

    with app.app_context():
        rows = db.session.execute(text("SELECT title || body || tsv::text FROM search_documents")).scalars()
        return "".join(rows).lower().encode()


def test_anonymised_text_leaves_every_index_file_at_close(app, client, region, backend_name):
    ref = submit(client, region, title="Forkert dosis", event_type="medicinering.ordination.forkert_dosis",
                 patient={"cpr": "170845-4321", "name": "Xenia Quistgaard"},
                 description="Xenia Quistgaard (170845-4321) fik dobbelt dosis Marevan om aftenen.")
    assert search(client, region, "Quistgaard")["total"] == 1
    assert b"quistgaard" in _index_bytes(app, backend_name)  # the check below can see it
    act = lambda action, **kw: client.post(f"/api/v1/cases/{ref}/actions", json={"action": action, **kw},
                                           headers=region.headers["rm_h"])
    assert act("edit", description="Patienten fik dobbelt dosis Marevan om aftenen.").status_code == 200
    assert search(client, region, "Quistgaard")["total"] == 0
    assert act("assign", assignee="rm@h.dk").status_code == 200
    closed = act("close", conclusion="Dobbeltkontrol indført.", learning="Dobbeltkontrol af Marevan ved ordination.")
    assert closed.status_code == 200, closed.get_json()
    raw = _index_bytes(app, backend_name)
    for gone in (b"quistgaard", b"xenia", b"170845", b"4321"):
        assert gone not in raw
    assert refs(search(client, region, "dobbeltkontrol")) == {ref}  # the closed case is searchable


def test_a_failing_index_write_does_not_fail_the_report_and_is_caught_up_by_the_next_search(app, client, region, monkeypatch):
    with app.app_context():
        backend = get_backend()
    working = backend.index

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(backend, "index", broken)
    ref = submit(client, region, title="Fald", description="Patienten faldt ved Kiwiskranken i går aftes.")
    with app.app_context():
        assert pending_count() == 1  # committed with the case, waiting for the index
    monkeypatch.setattr(backend, "index", working)
    assert refs(search(client, region, "kiwiskranken")) == {ref}
    with app.app_context():
        assert pending_count() == 0


SUBMITTING_WORKER = """
import sys
from uth import create_app
from uth.extensions import db
from uth.auth.services import find_user
from uth.clock import utcnow
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from tests.factories import report_data

app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UTH_INDEX_DIR": sys.argv[2],
                             "UTH_SEARCH_BACKEND": sys.argv[3]})
with app.app_context():
    nurse = find_user("nurse@h.dk")
    for n in range(int(sys.argv[4])):
        now = utcnow()
        data = parse_report(report_data(description=f"Samtidig indberetning {n} om Narhvalkateteret."),
                            public=False, reporter=nurse, now=now)
        submit_report(nurse, data, now=now)
        db.session.commit()  # each commit applies its own outbox rows
"""


def test_workers_committing_at_the_same_time_share_one_index_without_losing_updates(app, client, region, backend_name):
    import subprocess
    import sys

    args = [sys.executable, "-c", SUBMITTING_WORKER, app.config["SQLALCHEMY_DATABASE_URI"], app.config["UTH_INDEX_DIR"],
            backend_name, "8"]
    workers = [subprocess.Popen(args, cwd=str(Path(__file__).parents[2]), stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
    with app.app_context():
        assert pending_count() == 0  # every worker applied what it committed
        assert get_backend().doc_count("case") == 24
    assert search(client, region, "narhvalkateteret")["total"] == 24


# -- a case's scope and filter values kept in its document (PostgreSQL narrows by them, issue 16) --

def _org_id(code: str) -> int:
    from uth.auth.orgs import get_org

    return get_org(code).id


def _case_id(ref: str) -> int:
    from sqlalchemy import select

    from uth.reports.models import Case

    return db.session.scalar(select(Case.id).where(Case.reference == ref))


def _facets(ref: str) -> dict:
    from sqlalchemy import text

    row = db.session.execute(text("SELECT scope_org_ids, org_ids, status, severity, event_type FROM search_documents "
                                  "WHERE kind = 'case' AND doc_id = :id"), {"id": _case_id(ref)}).one()
    return row._asdict()


@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)  # the document's columns are PostgreSQL's
def test_a_transfer_moves_the_documents_scope_to_the_new_organisation(app, client, region, backend_name):
    ref = submit(client, region, title="Forkert afdeling", description="Borgeren blev sendt hjem uden plan.")
    with app.app_context():
        before = _facets(ref)
        assert before["scope_org_ids"] == sorted([_org_id("R"), _org_id("H")])
        assert _org_id("H-MED") in before["org_ids"] and before["status"] == "new"
    response = client.post(f"/api/v1/cases/{ref}/actions", json={"action": "transfer", "org": "K", "comment": "Kommunens sag"},
                           headers=region.headers["rm_h"])
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        after = _facets(ref)
        assert after["scope_org_ids"] == sorted([_org_id("R"), _org_id("K")])
        assert _org_id("K") in after["org_ids"] and _org_id("H-MED") in after["org_ids"]  # handled in K, happened in H-MED


def test_a_status_change_moves_the_case_between_status_filters(client, region):
    ref = submit(client, region, title="Glemt dosis", description="Dosis af Xylofan blev glemt om aftenen.")
    assert refs(search(client, region, "xylofan", status="new")) == {ref}
    response = client.post(f"/api/v1/cases/{ref}/actions", json={"action": "acknowledge"}, headers=region.headers["rm_h"])
    assert response.status_code == 200, response.get_json()
    assert search(client, region, "xylofan", status="new")["total"] == 0
    assert refs(search(client, region, "xylofan", status="acknowledged")) == {ref}
    assert refs(search(client, region, "xylofan", who="central", status="acknowledged")) == {ref}


def test_an_organisation_moved_under_another_parent_moves_its_cases_scope(app, client, region):
    """Scope goes by ancestry: K put under H makes K's cases H's risk manager's too (and the old
    documents, kept by ancestry, follow)."""
    ref = submit(client, region, who="helper", title="Fald i hjemmet", description="Borgeren faldt ved Zebrastien.")
    assert search(client, region, "zebrastien", who="rm_h")["total"] == 0
    with app.app_context():
        make_org("K", "kommune", parent="H", cluster="KL1")
    assert refs(search(client, region, "zebrastien", who="rm_h")) == {ref}
    assert refs(search(client, region, "zebrastien", who="rm_k")) == {ref}
    with app.app_context():
        make_org("K", "kommune", parent="R", cluster="KL1")
    assert search(client, region, "zebrastien", who="rm_h")["total"] == 0


@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)  # the document's columns are PostgreSQL's
def test_a_stale_document_never_shows_a_case_out_of_scope(app, client, region, backend_name):
    """The document's scope may lag its case (until the outbox is applied): the found rows are
    checked against the case itself, so a wrong scope can hide a case for a moment, never show one."""
    from sqlalchemy import text

    ref = submit(client, region, title="Fejlmedicinering", description="Patienten fik Quokkamin to gange.")
    with app.app_context():
        db.session.execute(text("UPDATE search_documents SET scope_org_ids = ARRAY[:k], status = 'closed' "
                                "WHERE kind = 'case' AND doc_id = :id"), {"k": _org_id("K2"), "id": _case_id(ref)})
        db.session.commit()
    assert search(client, region, "quokkamin", who="rm_k2")["items"] == []
    assert search(client, region, "quokkamin", who="central", status="closed")["items"] == []
    assert client.get(f"/api/v1/cases/{ref}", headers=region.headers["rm_k2"]).status_code == 404


@pytest.mark.parametrize("backend_name", ["postgres"], indirect=True)  # the document's columns are PostgreSQL's
def test_the_rebuild_and_the_migration_write_the_facets_the_applier_wrote(app, client, region, backend_name, runner):
    """Three writers of the columns (the outbox's applier, `uth reindex`'s bulk load, migration
    0018's fill of existing documents) give the same values: routed, transferred with an involved
    organisation, and unrouted cases."""
    import importlib.util

    from sqlalchemy import text

    from uth.reports.models import Case

    refs_ = [submit(client, region, title="Fald", description="Patienten faldt på gangen."),
             submit(client, region, who="helper", title="Overgang", description="Borgeren kom hjem uden medicin.")]
    response = client.post(f"/api/v1/cases/{refs_[0]}/actions", json={"action": "transfer", "org": "K", "comment": "K"},
                           headers=region.headers["rm_h"])
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        from uth.reports.models import CaseOrg

        case = db.session.get(Case, _case_id(refs_[0]))
        case.involved.append(CaseOrg(org_id=_org_id("H-MED"), role="involved"))
        unrouted = db.session.get(Case, _case_id(refs_[1]))
        unrouted.handling_org = None
        db.session.commit()
        applied = {ref: _facets(ref) for ref in refs_}
        assert _org_id("H-MED") in applied[refs_[0]]["scope_org_ids"]
        assert applied[refs_[1]]["scope_org_ids"] == sorted(-i for i in (_org_id("R"), _org_id("K"), _org_id("K-HJ")))
    assert refs(search(client, region, "hjem", who="central")) >= {refs_[1]}  # an unrouted case: the central one's
    assert search(client, region, "hjem", who="rm_k")["total"] == 0
    result = runner.invoke(args=["uth", "reindex"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {ref: _facets(ref) for ref in refs_} == applied
        path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "20261202_0018_search_scope.py"
        spec = importlib.util.spec_from_file_location("migration_0018", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        db.session.execute(text("UPDATE search_documents SET scope_org_ids = NULL, org_ids = NULL, status = NULL, "
                                "severity = NULL, event_type = NULL"))
        db.session.execute(text(migration._FILL))
        assert {ref: _facets(ref) for ref in refs_} == applied
        db.session.rollback()
