"""`uth reindex` builds the new index aside and swaps it in (issue #15 item 13): searches meanwhile
see the old index whole, a failed rebuild leaves it answering, and what is committed meanwhile (a
report, an edit that removes personal data) ends up in the new index, with the removed text gone."""
from __future__ import annotations

from pathlib import Path

import pytest

from uth.extensions import db
from uth.search import indexing
from uth.search.indexing import get_backend, pending_count, rebuild
from uth.storage import purges_pending
from tests.search.test_integration import _index_bytes, backend_name, refs, region, search, submit  # noqa: F401


@pytest.fixture
def three(client, region):  # noqa: F811 - the fixture imported above
    """Three cases about the Odderbroen; a rebuild reads them one per batch (progress after each)."""
    return {submit(client, region, title=f"Fald {n}", description=f"Patienten faldt på Odderbroen, nummer {n}.")
            for n in range(3)}


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(indexing, "BATCH", 1)  # several batches, so a callback runs between them
    monkeypatch.setattr(indexing, "AFTER_COMMIT_WAIT", 0.1)  # a commit mid-rebuild does not wait 5 s for its lock


def _rebuild(app, progress=lambda n: None) -> dict[str, int]:
    with app.app_context():
        return rebuild(get_backend(), progress=progress)


def test_a_search_mid_rebuild_sees_the_whole_old_index(app, client, region, three):  # noqa: F811
    seen = []
    counts = _rebuild(app, progress=lambda n: seen.append(search(client, region, "odderbroen")["total"]))
    assert counts["case"] == 3 and seen == [3, 3, 3]
    assert refs(search(client, region, "odderbroen")) == three


def test_a_failing_rebuild_keeps_the_old_index_and_the_next_one_works(app, client, region, three):  # noqa: F811
    def fail(n):
        raise OSError("No space left on device")

    with pytest.raises(OSError):
        _rebuild(app, progress=fail)
    assert refs(search(client, region, "odderbroen")) == three
    assert _rebuild(app)["case"] == 3
    assert refs(search(client, region, "odderbroen")) == three


def test_a_report_and_an_edit_committed_mid_rebuild_are_in_the_new_index(app, client, region, three):  # noqa: F811
    first = sorted(three)[0]
    made = []

    def meanwhile(n):
        if not made:  # after the first case was read: its edit and a new report come too late for the reads
            made.append(submit(client, region, title="Nyt fald", description="Patienten faldt ved Bæverdæmningen."))
            edited = client.post(f"/api/v1/cases/{first}/actions", headers=region.headers["rm_h"],
                                 json={"action": "edit", "description": "Patienten gled ved Muldvarpeskuret."})
            assert edited.status_code == 200, edited.get_json()

    _rebuild(app, progress=meanwhile)
    assert refs(search(client, region, "bæverdæmningen")) == set(made)
    assert refs(search(client, region, "muldvarpeskuret")) == {first}
    assert refs(search(client, region, "odderbroen")) == three - {first}
    with app.app_context():
        assert pending_count() == 0


def test_a_purge_mid_rebuild_is_not_undone_by_the_swap(app, client, region, backend_name):  # noqa: F811
    ref = submit(client, region, title="Forkert dosis", patient={"cpr": "170845-4321", "name": "Xenia Quistgaard"},
                 description="Xenia Quistgaard fik dobbelt dosis Marevan om aftenen.")
    submit(client, region, title="Fald", description="Patienten faldt om natten.")
    done = []

    def purge(n):
        if not done:  # the case was read with the name; the edit that removes it commits now
            edited = client.post(f"/api/v1/cases/{ref}/actions", headers=region.headers["rm_h"],
                                 json={"action": "edit", "description": "Patienten fik dobbelt dosis Marevan om aftenen."})
            assert edited.status_code == 200, edited.get_json()
            done.append(n)

    _rebuild(app, progress=purge)
    assert search(client, region, "quistgaard")["total"] == 0
    assert refs(search(client, region, "marevan")) == {ref}
    assert b"quistgaard" not in _index_bytes(app, backend_name)
    with app.app_context():
        assert purges_pending(db.session) == 0  # the purge's index part is done: nothing left to retry


@pytest.mark.parametrize("backend_name", ["whoosh"], indirect=True)  # whoosh's directories: no PostgreSQL run
def test_a_crashed_whoosh_rebuilds_leftovers_are_removed(app, client, region, three, backend_name):  # noqa: F811
    root = Path(app.config["UTH_INDEX_DIR"])
    crashed = root / "ix-20261201T020000-0badc0de"  # a rebuild killed before its swap
    crashed.mkdir()
    (crashed / "case_v1_abc.seg").write_bytes(b"Xenia Quistgaard 170845-4321")
    (root / "CURRENT.0badc0de.tmp").write_text("ix-20261201T020000-0badc0de")
    _rebuild(app)
    assert not crashed.exists() and not (root / "CURRENT.0badc0de.tmp").exists()
    assert b"quistgaard" not in _index_bytes(app, backend_name)
    live = [p.name for p in root.iterdir() if p.name.startswith("ix-")]
    assert len(live) == 1 and (root / "CURRENT").read_text().strip() == live[0]
    assert refs(search(client, region, "odderbroen")) == three
    _rebuild(app)  # the next rebuild replaces it: still one directory
    assert [p.name for p in root.iterdir() if p.name.startswith("ix-")] != live
    assert len([p for p in root.iterdir() if p.name.startswith("ix-")]) == 1


def test_reindex_prints_what_it_indexed(app, client, region, runner, three, backend_name):  # noqa: F811
    result = runner.invoke(args=["uth", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"indexed 3 cases and 0 learning summaries ({backend_name})" in result.stdout
    assert refs(search(client, region, "odderbroen")) == three
