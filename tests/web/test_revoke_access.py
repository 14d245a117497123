"""Taking access away (issue #15 item 9): revoke an API token, deactivate a user, withdraw a grant,
from the command line and from the admin page; every change audited, effective at the next request."""
import re

import pytest
from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.auth.models import Organisation
from uth.auth.services import find_user, tokens_of
from uth.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_case, make_org, make_token, make_user


@pytest.fixture
def people(app):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("admin@x.dk", "admin")
        make_case(find_user("rm@h.dk"), event_org="H")
        return {"token": make_token(find_user("rm@h.dk"))}


def _audited(app, action):
    with app.app_context():
        return [(e.actor_label, e.detail) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def _api(client, token):
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def test_revoke_token_command(app, client, runner, people):
    assert _api(client, people["token"]) == 200
    listed = runner.invoke(args=["uth", "tokens", "rm@h.dk"])
    prefix = people["token"][:10]
    assert listed.exit_code == 0 and listed.output.startswith(prefix) and "active" in listed.output
    result = runner.invoke(args=["uth", "revoke-token", prefix])
    assert result.exit_code == 0, result.output
    assert _api(client, people["token"]) == 401
    [(actor, detail)] = _audited(app, "token.revoked")
    assert actor.startswith("cli:") and detail == {"email": "rm@h.dk", "prefix": prefix}
    assert "revoked" in runner.invoke(args=["uth", "tokens", "rm@h.dk"]).output
    unknown = runner.invoke(args=["uth", "revoke-token", "uth_nothing"])
    assert unknown.exit_code == 1 and "no token with prefix uth_nothing" in unknown.stderr


def test_deactivate_user_command_ends_sessions_and_tokens(app, client, runner, people):
    login(client, "rm@h.dk")
    assert client.get("/cases").status_code == 200
    result = runner.invoke(args=["uth", "deactivate-user", "rm@h.dk"])
    assert result.exit_code == 0 and "1 open session ended" in result.output
    assert client.get("/cases").status_code == 302  # the open session ended
    assert login(app.test_client(), "rm@h.dk").status_code == 401
    assert _api(client, people["token"]) == 401
    assert _audited(app, "user.deactivated")[0][1] == {"email": "rm@h.dk", "sessions_ended": 1}
    assert runner.invoke(args=["uth", "activate-user", "rm@h.dk"]).exit_code == 0
    assert login(app.test_client(), "rm@h.dk").status_code == 302
    assert [d for _, d in _audited(app, "user.activated")] == [{"email": "rm@h.dk"}]


def test_revoke_grant_command(app, client, runner, people):
    login(client, "rm@h.dk")
    result = runner.invoke(args=["uth", "revoke-grant", "rm@h.dk", "risk_manager", "H"])
    assert result.exit_code == 0, result.output
    assert client.get("/cases").status_code == 404  # no case role any more
    assert _audited(app, "grant.revoked")[0][1] == {"email": "rm@h.dk", "role": "risk_manager", "scope": "H"}
    missing = runner.invoke(args=["uth", "revoke-grant", "rm@h.dk", "admin"])
    assert missing.exit_code == 1 and "has no admin grant" in missing.stderr
    assert runner.invoke(args=["uth", "grant", "rm@h.dk", "risk_manager", "H"]).exit_code == 0
    assert client.get("/cases").status_code == 200


def _post_button(client, page: str, action: str):
    html = client.get(page).get_data(as_text=True)
    assert f'action="{action}"' in html, action
    return client.post(action, data={"csrf_token": csrf_token(client, page)})


def test_admin_page_revokes_a_token_a_grant_and_an_account(app, client, people):
    with app.app_context():
        rm = find_user("rm@h.dk")
        user_id, grant_id, token_id = rm.id, rm.grants[0].id, tokens_of(rm)[0].id
    login(client, "admin@x.dk")
    found = client.get("/admin/users?q=rm@").get_data(as_text=True)
    assert f'href="/admin/users/{user_id}"' in found and "admin@x.dk" not in found
    page = f"/admin/users/{user_id}"
    assert _post_button(client, page, f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert _api(client, people["token"]) == 401
    assert "Nøglen er tilbagekaldt." in client.get(page).get_data(as_text=True)
    assert _post_button(client, page, f"/admin/grants/{grant_id}/revoke").status_code == 302
    assert _post_button(client, page, f"/admin/users/{user_id}/deactivate").status_code == 302
    assert login(app.test_client(), "rm@h.dk").status_code == 401
    for action in ("token.revoked", "grant.revoked", "user.deactivated"):
        assert [a for a, _ in _audited(app, action)] == ["admin@x.dk"], action
    assert _post_button(client, page, f"/admin/users/{user_id}/activate").status_code == 302
    assert re.search(r"Aktiv</dt><dd>Ja", client.get(page).get_data(as_text=True))


def test_an_admin_cannot_lock_themselves_out(app, client, people):
    with app.app_context():
        admin = find_user("admin@x.dk")
        admin_id, grant_id = admin.id, admin.grants[0].id
    login(client, "admin@x.dk")
    page = f"/admin/users/{admin_id}"
    assert "Du kan ikke deaktivere din egen konto." in client.post(
        f"/admin/users/{admin_id}/deactivate", data={"csrf_token": csrf_token(client, page)}, follow_redirects=True).get_data(as_text=True)
    client.post(f"/admin/grants/{grant_id}/revoke", data={"csrf_token": csrf_token(client, page)})
    assert client.get("/admin/users").status_code == 200  # still an admin


def test_the_admin_pages_are_for_admins_only(client, people):
    login(client, "rm@h.dk")
    assert client.get("/admin/users").status_code == 404
    assert client.post("/admin/tokens/1/revoke", data={"csrf_token": csrf_token(client, "/cases")}).status_code == 404


def test_the_api_sees_a_changed_grant_at_the_next_request(app, client, runner, people):
    """The API's actor is kept per process between requests (auth.services.user_for_token): a grant
    withdrawn, given back or moved to another organisation counts at the very next request."""
    def references():
        response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {people['token']}"})
        return response.status_code, [case["reference"] for case in response.get_json().get("items", [])]

    status, seen = references()
    assert status == 200 and len(seen) == 1
    assert runner.invoke(args=["uth", "revoke-grant", "rm@h.dk", "risk_manager", "H"]).exit_code == 0
    assert references() != (200, seen)
    assert runner.invoke(args=["uth", "grant", "rm@h.dk", "risk_manager", "H"]).exit_code == 0
    assert references() == (200, seen)
    with app.app_context():
        make_org("K", "kommune")
        grant = find_user("rm@h.dk").grants[0]
        grant.org_id = db.session.scalar(select(Organisation.id).where(Organisation.code == "K"))
        db.session.commit()
    assert references() == (200, [])  # the same grant, now over an organisation without the case
