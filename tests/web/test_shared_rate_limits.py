"""Rate limits hold across application servers (issue #15 items 7 and 12): two gunicorn processes
over one database count the public limit together, over the form and the API alike, in the default
database store and in a real redis-server (UTH_RATELIMIT_STORAGE=redis://…, SPEC §17)."""
import pytest

from tests.factories import make_org
from tests.servers import Browser, uth_server
from tests.web.test_security_hardening import API_REPORT, FORM


def _alternate(a: str, b: str) -> list[int]:
    """Six public reports from one address: form on server A, API on server B, and so on."""
    codes = []
    for i in range(6):
        if i % 2 == 0:
            codes.append(Browser(a).post_form("/public/report", FORM))
        else:
            codes.append(Browser(b).post_json("/api/v1/public/reports", API_REPORT))
    return codes


@pytest.mark.parametrize("store", ["database", "redis"])
def test_the_public_limit_holds_across_two_servers_and_both_routes(app, tmp_path, store, request):
    with app.app_context():
        make_org("K", "kommune")
    storage = request.getfixturevalue("redis_url") if store == "redis" else "database"
    settings = {"UTH_RATELIMIT_STORAGE": storage, "UTH_PUBLIC_REPORT_LIMIT": "3 per hour"}
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    with uth_server(database, tmp_path / "index", **settings) as a, uth_server(database, tmp_path / "index", **settings) as b:
        assert _alternate(a, b) == [302, 201, 302, 429, 429, 429]


def test_the_redis_store_starts_and_counts(app, redis_url, sibling_app):
    """The documented scale-out setting used to stop the app at start: the redis client was missing."""
    import redis

    with app.app_context():
        make_org("K", "kommune")
    client = sibling_app(UTH_RATELIMIT_STORAGE=redis_url, UTH_PUBLIC_REPORT_LIMIT="2 per hour").test_client()
    codes = [client.post("/api/v1/public/reports", json=API_REPORT).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert redis.Redis.from_url(redis_url).keys("LIMITS:*")  # counted in redis, not in this process
