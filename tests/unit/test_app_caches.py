"""What the app works out once instead of per request (uth.App): the session cookie's signer and
whether a view or hook is a coroutine. Cached, they must still follow a changed secret key."""
import pytest
from itsdangerous import BadSignature

from uth import create_app


@pytest.fixture
def bare_app(tmp_path, monkeypatch):
    monkeypatch.setenv("UTH_INSTANCE_DIR", str(tmp_path))
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/uth.sqlite3"})


def test_the_session_signer_is_made_once_while_the_keys_stand(bare_app):
    interface = bare_app.session_interface
    assert interface.get_signing_serializer(bare_app) is interface.get_signing_serializer(bare_app)


def test_a_changed_secret_key_signs_with_the_new_key_and_reads_the_old_only_as_a_fallback(bare_app):
    interface = bare_app.session_interface
    bare_app.secret_key = "the-old-key"
    cookie = interface.get_signing_serializer(bare_app).dumps({"uth_session": "token"})
    bare_app.secret_key = "the-new-key"
    with pytest.raises(BadSignature):
        interface.get_signing_serializer(bare_app).loads(cookie)
    bare_app.config["SECRET_KEY_FALLBACKS"] = ["the-old-key"]
    assert interface.get_signing_serializer(bare_app).loads(cookie) == {"uth_session": "token"}
    bare_app.config["SECRET_KEY_FALLBACKS"] = []
    with pytest.raises(BadSignature):
        interface.get_signing_serializer(bare_app).loads(cookie)


def test_a_plain_view_is_run_as_it_is_and_a_coroutine_is_still_not(bare_app):
    def view():
        return "ok"

    async def coroutine():
        return "ok"

    assert bare_app.ensure_sync(view) is view
    assert bare_app.ensure_sync(view) is view
    with pytest.raises(RuntimeError, match="async"):  # Flask's own answer without its async extra
        bare_app.ensure_sync(coroutine)


def test_functions_made_for_one_request_do_not_pile_up(bare_app):
    kept = []
    for n in range(3 * bare_app.SYNC_KEPT):
        def once(response, n=n):  # as `after_this_request` makes one per request
            return response
        assert bare_app.ensure_sync(once) is once
        kept.append(len(bare_app._sync))
    assert max(kept) <= bare_app.SYNC_KEPT
