"""The admins' routing page (SPEC §24): unrouted cases first, a checked rule, a preview, and re-routing."""
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import make_case, make_org, make_user
from uth.extensions import db


@pytest.fixture
def region(app):
    with app.app_context():
        make_org("H", "hospital")
        make_org("APO", "apotek", name="Løve Apotek")
        make_org("K", "kommune", name="Kommunen")
        make_user("rm@h.dk", "risk_manager", "H")
        make_user("rm@k.dk", "risk_manager", "K")
        make_user("admin@x.dk", "admin")
        refs = [make_case(event_org="APO", event_type="medicinering.dispensering.forkert_dosis")[0].reference
                for _ in range(3)]
    return refs


def test_unrouted_cases_are_listed_first(client, region):
    login(client, "admin@x.dk")
    page = client.get("/admin/routing").get_data(as_text=True)
    assert "Ikke-routede sager (3)" in page
    assert page.index(region[0]) < page.index("Tilføj regel")
    assert page.index("Ikke-routede sager") < page.index("<h2>Regler</h2>")


def test_a_prefix_matching_no_event_type_is_a_form_error_and_keeps_what_was_typed(client, region, app):
    login(client, "admin@x.dk")
    token = csrf_token(client, "/admin/routing")
    response = client.post("/admin/routing", data={"csrf_token": token, "name": "Apoteker", "event_type_prefix": "medicin",
                                                  "target_org": "K — Kommunen"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Ingen hændelsestype begynder med dette" in html
    assert 'value="Apoteker"' in html and 'value="medicin"' in html
    english = client.post("/admin/routing?lang=en", data={"csrf_token": token, "name": "Apoteker",
                                                         "event_type_prefix": "medicin", "target_org": "K"})
    assert "No event type starts with this" in english.get_data(as_text=True)
    with app.app_context():
        from uth.routing.models import RoutingRule
        assert db.session.scalars(select(RoutingRule)).all() == []


def test_test_this_rule_shows_what_it_would_route_without_saving(client, region, app):
    login(client, "admin@x.dk")
    token = csrf_token(client, "/admin/routing")
    response = client.post("/admin/routing", data={"csrf_token": token, "name": "Apoteker", "sector": "apotek",
                                                  "target_org": "K", "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Reglen router 3 åben(e) ikke-routet(e) sag(er)" in html
    assert all(ref in html.split('id="preview"')[1] for ref in region)
    with app.app_context():
        from uth.routing.models import RoutingRule
        assert db.session.scalars(select(RoutingRule)).all() == []


def test_adding_a_rule_offers_to_route_the_open_unrouted_cases(client, region, app):
    login(client, "admin@x.dk")
    token = csrf_token(client, "/admin/routing")
    added = client.post("/admin/routing", data={"csrf_token": token, "name": "Apoteker", "sector": "apotek", "target_org": "K"})
    assert added.status_code == 302
    offer = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Route 3 sag(er) nu" in offer
    with app.app_context():
        from uth.routing.models import RoutingRule
        rule_id = db.session.scalar(select(RoutingRule.id))
    done = client.post(f"/admin/routing/{rule_id}/reroute", data={"csrf_token": token}, follow_redirects=True)
    assert "3 sag(er) routet" in done.get_data(as_text=True) and "Ikke-routede sager (0)" in done.get_data(as_text=True)
    with app.app_context():
        from uth.reports.models import Case
        assert {c.handling_org.code for c in db.session.scalars(select(Case))} == {"K"}


def test_reroute_needs_csrf_and_an_admin(client, region):
    login(client, "rm@k.dk")
    assert client.post("/admin/routing/reroute", data={"csrf_token": csrf_token(client, "/cases")}).status_code == 404
    login(client, "admin@x.dk")
    assert client.post("/admin/routing/reroute").status_code == 400


def test_enabling_a_rule_again_offers_the_re_routing_too(client, region, app):
    with app.app_context():
        from uth.clock import utcnow
        from uth.routing.admin import add_rule, set_active
        from uth.auth.services import find_user
        admin = find_user("admin@x.dk")
        rule = add_rule(admin, {"name": "Apoteker", "sector": "apotek", "target_org": "K"}, now=utcnow())
        set_active(admin, rule.id, False, now=utcnow())
        db.session.commit()
        rule_id = rule.id
    login(client, "admin@x.dk")
    token = csrf_token(client, "/admin/routing")
    enabled = client.post(f"/admin/routing/{rule_id}/enable", data={"csrf_token": token})
    assert "offer=" in enabled.headers["Location"]
    assert "Route 3 sag(er) nu" in client.get(enabled.headers["Location"]).get_data(as_text=True)
