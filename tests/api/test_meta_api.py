"""Health, taxonomy, organisations and the OpenAPI document (SPEC §14)."""
import re

def test_healthz(client, region):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_names_the_failing_part(client, app):
    with app.app_context():
        from uth.extensions import db
        from uth.taxonomy.models import TaxonomyTerm
        db.session.query(TaxonomyTerm).delete()
        db.session.commit()
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["failing"] == ["taxonomy"]
    finally:
        with app.app_context():
            from uth.taxonomy.services import load_taxonomy
            load_taxonomy()
            db.session.commit()


def test_taxonomy(client, region):
    body = client.get("/api/v1/taxonomy", headers=region.headers["nurse"]).get_json()
    for key in ("event_types", "transition_types", "involved_roles", "reject_reasons", "sectors"):
        assert body[key], key
    codes = {t["code"] for t in body["reject_reasons"]}
    assert codes == {"insufficient_information", "work_environment", "test_case", "duplicate", "other"}
    fald = next(t for t in body["event_types"] if t["code"] == "fald.med_skade.fraktur")
    assert fald == {"code": "fald.med_skade.fraktur", "label_da": "Fraktur efter fald", "label_en": "Fracture after fall", "parent": "fald.med_skade"}


def test_orgs(client, region):
    orgs = client.get("/api/v1/orgs", headers=region.headers["nurse"]).get_json()
    assert {"code": "H-MED", "name": "Org H-MED", "sector": "hospital", "parent": "H", "cluster": "KL1"} in orgs
    assert [o["code"] for o in client.get("/api/v1/orgs?q=k-hj", headers=region.headers["nurse"]).get_json()] == ["K-HJ"]


def test_openapi_describes_exactly_the_api_routes(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    actual = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                actual.add((path, method.lower()))
    assert documented == actual
