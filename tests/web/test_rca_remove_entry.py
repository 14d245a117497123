"""Removing an entry from the analysis page: the "Fjern" button, its flash message, and no button once approved."""
import re
from html import unescape

import pytest

from tests.conftest import csrf_token, login, logout
from tests.rca_fixtures import make_rca_region
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.rca.models import CausalStatement, TimelineEntry


@pytest.fixture
def region(app):
    with app.app_context():
        return make_rca_region()


def start_analysis(client, region) -> str:
    token = csrf_token(client, f"/cases/{region.serious}")
    response = client.post(f"/cases/{region.serious}/analyses", data={"csrf_token": token, "method": "kaa"})
    assert response.status_code == 302
    return response.headers["Location"]


def post_part(client, url, part, **data):
    return client.post(f"{url}/parts/{part}", data={"csrf_token": csrf_token(client, url), **data})


def remove_actions(html: str) -> list[str]:
    return re.findall(r'action="([^"]+/delete)"', html)


def test_fjern_button_removes_a_mistyped_statement_with_a_message(app, client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    post_part(client, url, "causal_statements", cause="Dårlig kommunikation", effect="insulin glemt", event="genindlagt")
    post_part(client, url, "timeline", time_text="Morgen", text="Stuegang")
    post_part(client, url, "timeline", time_text="Aften", text="Ingen insulin")
    with app.app_context():
        statement_id = db.session.scalar(db.select(CausalStatement.id))
        first_id = db.session.scalar(db.select(TimelineEntry.id).where(TimelineEntry.text == "Stuegang"))
    page = client.get(url).get_data(as_text=True)
    delete_statement = f"{url}/parts/causal_statements/{statement_id}/delete"
    assert delete_statement in remove_actions(page) and len(remove_actions(page)) == 3
    assert ">Fjern</button>" in page

    response = client.post(delete_statement, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#causal_statements")
    page = unescape(client.get(url).get_data(as_text=True))
    assert "Punktet er fjernet fra analysen." in page
    assert "Dårlig kommunikation" not in page and "Ingen årsagssammenhænge endnu." in page
    assert "Punktet er fjernet fra analysen." not in client.get(url).get_data(as_text=True)  # shown once

    client.post(f"{url}/parts/timeline/{first_id}/delete", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        assert [(e.text, e.position) for e in db.session.scalars(db.select(TimelineEntry))] == [("Ingen insulin", 1)]
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "analysis.entry_removed")) == 2


def test_removing_needs_csrf_and_scope(app, client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    post_part(client, url, "team", name="Hanne Holm")
    delete = remove_actions(client.get(url).get_data(as_text=True))[0]
    assert client.post(delete, data={}).status_code == 400
    logout(client)
    login(client, "rm@k2.dk")
    assert client.post(delete, data={"csrf_token": csrf_token(client, "/reports/new")}).status_code == 404
    logout(client)
    login(client, "rm@h.dk")
    assert "Hanne Holm" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/parts/fishbone/1/delete", data={"csrf_token": csrf_token(client, url)}).status_code == 404


def test_no_fjern_button_once_approved_and_removal_is_refused(client, region):
    login(client, "rm@h.dk")
    url = start_analysis(client, region)
    post_part(client, url, "causal_statements", cause="Epikrisen blev ikke sendt, fordi systemet fejlede",
              effect="hjemmeplejen kendte ikke ordinationen", event="insulin blev ikke givet")
    post_part(client, url, "action_items", text="Automatisk epikrise", strength="stronger", responsible="Ledelsen", due_on="2027-02-01")
    delete = remove_actions(client.get(url).get_data(as_text=True))[0]
    token = csrf_token(client, url)
    for status in ("in_review", "approved"):
        assert client.post(f"{url}/status", data={"csrf_token": token, "status": status}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert remove_actions(page) == [] and ">Fjern</button>" not in page
    assert client.post(delete, data={"csrf_token": token}).status_code == 409
    assert "Epikrisen blev ikke sendt" in client.get(url).get_data(as_text=True)
