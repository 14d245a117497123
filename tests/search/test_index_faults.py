"""An index that cannot be written (issue #15 item 14): searches still answer from what the index
holds, and /healthz answers 503 naming the part, for a read-only index directory and a full disk."""
import pytest

from uth.extensions import db
from uth.reports.models import Case
from tests.factories import make_case, make_org, make_token, make_user
from tests.faults import full_disk, read_only

pytestmark = pytest.mark.mounts


@pytest.fixture
def searchable(app, client):
    with app.app_context():
        make_org("H")
        rm = make_user("rm@h.dk", "risk_manager", "H")
        make_case(rm, event_org="H", title="Fald i badeværelset")
        headers = {"Authorization": f"Bearer {make_token(rm)}"}
    assert client.get("/api/v1/search?q=fald", headers=headers).get_json()["total"] == 1
    assert client.get("/healthz").status_code == 200
    return headers


def _restart(app):
    """A new worker process: nothing of the index cached."""
    from uth.search.indexing import EXTENSION

    backend = app.extensions.pop(EXTENSION, None)
    if backend is not None:
        backend.close()
    app.extensions.pop(EXTENSION + "_replayed", None)


def test_a_read_only_index_is_still_searched_and_healthz_names_it(app, client, searchable):
    from pathlib import Path

    with read_only(Path(app.config["UTH_INDEX_DIR"])):
        with app.app_context():
            db.session.get(Case, 1).title = "Fald igen i badeværelset"  # its index update cannot be written
            db.session.commit()
        for restarted in (False, True):
            if restarted:
                _restart(app)
            response = client.get("/api/v1/search?q=fald", headers=searchable)
            assert response.status_code == 200 and response.get_json()["total"] == 1, restarted
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["failing"] == ["search_index"]
        assert "Read-only file system" in health.get_json()["search_index"]
    _restart(app)  # writable again: the kept update is applied
    items = client.get("/api/v1/search?q=igen", headers=searchable).get_json()["items"]
    assert [i["title"] for i in items] == ["Fald igen i badeværelset"]
    assert client.get("/healthz").status_code == 200


def test_a_full_disk_under_the_index_is_named_by_healthz(app, client, searchable, tmp_path):
    full = tmp_path / "full-index"
    app.config["UTH_INDEX_DIR"] = str(full)
    with full_disk(full):
        health = client.get("/healthz")
        assert health.status_code == 503
        body = health.get_json()
        assert "disk" in body["failing"] and body["disk"].startswith("full: search index 0 MB free")
