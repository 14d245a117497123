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



def _enums(node, where=""):
    """(where, values) of every enum in the document; `where` ends in the property or parameter name."""
    if isinstance(node, dict):
        if "enum" in node:
            yield where, node["enum"]
        if "in" in node and "name" in node:  # a parameter: name its schema by the parameter
            yield from _enums(node.get("schema", {}), f"{where}/{node['name']}")
            return
        for key, value in node.items():
            yield from _enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value, where)


def test_openapi_enums_are_the_state_machines_and_code_lists(app, client):
    """Every enum of the document is the list the code itself checks against (one source each)."""
    from uth.handling.workflow import ACTIONS
    from uth.learning.models import SummaryStatus, Visibility
    from uth.learning.stats import DIMENSIONS
    from uth.rca.models import METHODS, PARTS
    from uth.rca.workflow import ActionStatus, AnalysisStatus
    from uth.reports.dialogue import SENDERS
    from uth.reports.filters import DUE_VALUES
    from uth.reports.models import CaseStatus
    from uth.reports.severity import ACTUAL, POSSIBLE
    from uth.reports.validation import NCC_MERP, PRECISIONS, SAC
    from uth.search.services import KINDS, ORDERS

    by_name = {
        "occurred_at_precision": PRECISIONS, "actual_consequence": ACTUAL, "possible_consequence": POSSIBLE,
        "ncc_merp": NCC_MERP, "sac": SAC, "method": METHODS, "visibility": Visibility, "action": ACTIONS,
        "by": DIMENSIONS, "order": ORDERS, "kind": KINDS, "sender": SENDERS, "due": DUE_VALUES, "resourceType": None,
    }

    def expected(where: str) -> list:
        name = where.rsplit("/", 1)[-1]
        if name == "status":
            if "learning" in where:
                return list(SummaryStatus)
            if "action_items" in where:
                return list(ActionStatus)
            return list(AnalysisStatus if "nalys" in where else CaseStatus)
        if name == "part":
            return [*PARTS, "cases"] if "/post" in where else list(PARTS)
        assert name in by_name, f"an enum nobody checks: {where}"
        return list(by_name[name] or [])

    doc = client.get("/api/v1/openapi.json").get_json()
    found = list(_enums(doc))
    assert len(found) > 30
    statuses = {tuple(values) for where, values in found if where.endswith("/status")}
    assert statuses == {tuple(e) for e in (CaseStatus, AnalysisStatus, ActionStatus, SummaryStatus)}
    for where, values in found:
        if where.endswith("/resourceType"):
            continue
        assert values == expected(where), where
