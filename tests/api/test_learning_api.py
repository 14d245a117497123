"""SPEC §14 learning and statistics endpoints; forum members never reach raw cases."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from uth.auth.models import Organisation
from uth.auth.services import find_user
from uth.extensions import db
from uth.learning.batch import save_counts
from uth.learning.models import BatchCount
from tests.conftest import FIXED_NOW
from tests.factories import auth_header, make_token
from tests.learning_region import closed_case, make_learning_region

EMAILS = ("rm@h.dk", "rm@k2.dk", "central@r.dk", "forum1@kl1.dk", "forum2@kl2.dk", "nurse@h.dk")


@pytest.fixture
def headers(app):
    with app.app_context():
        make_learning_region()
        return {email: auth_header(make_token(find_user(email))) for email in EMAILS}


def _closed(app, **fields) -> str:
    with app.app_context():
        return closed_case(**fields).reference


def _draft(client, headers, app, **patch) -> int:
    reference = _closed(app)
    response = client.post(f"/api/v1/cases/{reference}/learning", headers=headers["rm@h.dk"])
    assert response.status_code == 201
    summary_id = response.get_json()["id"]
    if patch:
        assert client.patch(f"/api/v1/learning/{summary_id}", json=patch, headers=headers["rm@h.dk"]).status_code == 200
    return summary_id


def test_publish_is_refused_with_findings_then_succeeds_after_the_fix(app, client, headers):
    summary_id = _draft(client, headers, app, summary="Sofie Hansen fandt fejlen, skriv til rikke@h.dk.")
    refused = client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"])
    assert refused.status_code == 422
    findings = refused.get_json()["findings"]
    assert {(f["kind"], f["field"]) for f in findings} == {("name", "summary"), ("email", "summary")}
    assert all({"id", "field", "kind", "text"} <= set(f) for f in findings)
    assert client.get("/api/v1/learning", headers=headers["forum1@kl1.dk"]).get_json()["items"] == []

    fixed = client.patch(f"/api/v1/learning/{summary_id}", json={"summary": "Risikomanageren fandt fejlen ved gennemgang."},
                         headers=headers["rm@h.dk"])
    assert fixed.status_code == 200
    published = client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"])
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert client.patch(f"/api/v1/learning/{summary_id}", json={"title": "x"}, headers=headers["rm@h.dk"]).status_code == 409
    items = client.get("/api/v1/learning", headers=headers["forum1@kl1.dk"]).get_json()["items"]
    assert [i["id"] for i in items] == [summary_id]

    retracted = client.post(f"/api/v1/learning/{summary_id}/retract", headers=headers["rm@h.dk"])
    assert retracted.status_code == 200
    assert client.get("/api/v1/learning", headers=headers["forum1@kl1.dk"]).get_json()["items"] == []


def test_not_personal_accepts_a_false_positive(app, client, headers):
    summary_id = _draft(client, headers, app, learning_points="Ring til vagtcentralen på 70 20 30 40.")
    findings = client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"]).get_json()["findings"]
    response = client.post(f"/api/v1/learning/{summary_id}/publish", json={"not_personal": [f["id"] for f in findings]},
                           headers=headers["rm@h.dk"])
    assert response.status_code == 200


def test_cluster_and_national_visibility_for_members_of_two_clusters(app, client, headers):
    cluster_id = _draft(client, headers, app, title="Kun klynge 1")
    national_id = _draft(client, headers, app, title="Til hele landet", visibility="national")
    for summary_id in (cluster_id, national_id):
        assert client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"]).status_code == 200
    titles = lambda who: {i["title"] for i in client.get("/api/v1/learning", headers=headers[who]).get_json()["items"]}  # noqa: E731
    assert titles("forum1@kl1.dk") == {"Kun klynge 1", "Til hele landet"}
    assert titles("forum2@kl2.dk") == {"Til hele landet"}
    assert client.get(f"/api/v1/learning/{cluster_id}", headers=headers["forum2@kl2.dk"]).status_code == 404
    assert client.get(f"/api/v1/learning/{national_id}", headers=headers["forum2@kl2.dk"]).status_code == 200
    assert client.get("/api/v1/learning?q=landet", headers=headers["forum1@kl1.dk"]).get_json()["total"] == 1
    assert client.get("/api/v1/learning", headers=headers["nurse@h.dk"]).status_code == 404


def test_only_the_handling_scope_drafts_and_edits(app, client, headers):
    reference = _closed(app)
    assert client.post(f"/api/v1/cases/{reference}/learning", headers=headers["rm@k2.dk"]).status_code == 404
    assert client.post(f"/api/v1/cases/{reference}/learning", headers=headers["forum1@kl1.dk"]).status_code == 404
    summary_id = client.post(f"/api/v1/cases/{reference}/learning", headers=headers["rm@h.dk"]).get_json()["id"]
    assert client.patch(f"/api/v1/learning/{summary_id}", json={"title": "x"}, headers=headers["forum1@kl1.dk"]).status_code == 404
    assert client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@k2.dk"]).status_code == 404
    bad = client.patch(f"/api/v1/learning/{summary_id}", json={"visibility": "world", "title": ""}, headers=headers["rm@h.dk"])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"visibility", "title"}


def test_forum_members_never_reach_raw_cases(app, client, headers):
    reference = _closed(app)
    member = headers["forum1@kl1.dk"]
    assert client.get("/api/v1/cases", headers=member).status_code == 404
    assert client.get(f"/api/v1/cases/{reference}", headers=member).status_code == 404
    assert client.get(f"/api/v1/cases/{reference}/audit", headers=member).status_code == 404
    assert client.get("/api/v1/cases", headers=headers["rm@h.dk"]).status_code == 200


def _stats(client, headers, who, by, **params):
    response = client.get("/api/v1/stats", query_string={"by": by, **params}, headers=headers[who])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_stats_suppress_small_cells_and_the_total_cannot_reveal_them(app, client, headers):
    with app.app_context():
        for _ in range(6):
            closed_case(event_type="overgange.information.epikrise")
        for _ in range(5):
            closed_case(event_type="medicinering.administration.ikke_givet")
        closed_case(event_type="fald.uden_skade")
    body = _stats(client, headers, "forum1@kl1.dk", "event_type")
    rows = {r["key"]: r["count"] for r in body["rows"]}
    assert rows["fald"] is None
    assert sum(1 for c in rows.values() if c is None) >= 2  # one suppressed cell alone could be recomputed
    visible = sum(c for c in rows.values() if c is not None)
    assert body["total"] - visible == 0 or body["total"] - visible >= 5
    assert set(body["rows"][0]) == {"key", "count"}
    for by in ("transition", "sector_pair", "severity", "month"):
        assert _stats(client, headers, "central@r.dk", by, year="2026")["rows"]


def test_stats_total_is_hidden_when_everything_is_small(app, client, headers):
    with app.app_context():
        closed_case()
    body = _stats(client, headers, "forum1@kl1.dk", "severity")
    assert body["total"] is None and all(r["count"] in (None, 0) for r in body["rows"])


def test_stats_are_for_forum_members_and_central_risk_managers_only(app, client, headers):
    assert client.get("/api/v1/stats?by=month", headers=headers["rm@h.dk"]).status_code == 404
    assert client.get("/api/v1/stats?by=month", headers=headers["nurse@h.dk"]).status_code == 404
    assert client.get("/api/v1/stats?by=colour", headers=headers["central@r.dk"]).status_code == 422


def test_stats_are_given_for_one_calendar_year_and_year_is_checked(app, client, headers):
    """A free month range let a suppressed month be computed as the difference of two totals; years do not overlap."""
    with app.app_context():
        for day in range(1, 6):
            closed_case(received_at=datetime(2026, 9, day, 12, tzinfo=timezone.utc))
        for day in range(1, 7):
            closed_case(received_at=datetime(2026, 10, day, 12, tzinfo=timezone.utc))
        for day in range(1, 5):
            closed_case(received_at=datetime(2026, 11, day, 12, tzinfo=timezone.utc))
        for day in range(1, 8):
            closed_case(received_at=datetime(2025, 6, day, 12, tzinfo=timezone.utc))
    who = headers["central@r.dk"]
    body = _stats(client, headers, "central@r.dk", "month")
    assert body["year"] == 2026 and [r["key"] for r in body["rows"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    months = {r["key"]: r["count"] for r in body["rows"]}
    assert months["2026-10"] == 6 and months["2026-11"] is None and body["total"] == 15
    for retired in ({"to": "2026-10"}, {"from": "2026-01", "to": "2026-10"}, {"from": "2026-11"}):
        refused = client.get("/api/v1/stats", query_string={"by": "month", **retired}, headers=who)
        assert refused.status_code == 422 and set(refused.get_json()["errors"]) == set(retired)
    last_year = _stats(client, headers, "central@r.dk", "month", year="2025")
    assert [r["key"] for r in last_year["rows"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert last_year["total"] == 7 and {r["key"]: r["count"] for r in last_year["rows"]}["2025-06"] == 7
    assert _stats(client, headers, "central@r.dk", "event_type", year="2025")["total"] == 7
    for bad in ("1999", "2027", "abc", "2026.0", ""):
        response = client.get("/api/v1/stats", query_string={"by": "month", "year": bad}, headers=who)
        if bad:
            assert response.status_code == 422 and list(response.get_json()["errors"]) == ["year"], bad
        else:
            assert response.get_json()["year"] == 2026
    spec = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/stats"]["get"]["parameters"]
    assert [p["name"] for p in spec] == ["by", "year"]


def test_every_dimension_adds_up_to_the_same_total_with_batch_counts(app, client, headers):
    with app.app_context():
        for _ in range(6):
            closed_case(event_type="fald.uden_skade")
        save_counts(find_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 3}, now=FIXED_NOW)
        db.session.commit()
    totals = {by: _stats(client, headers, "forum1@kl1.dk", by)["total"] for by in ("event_type", "transition", "sector_pair", "severity", "month")}
    assert set(totals.values()) == {9}, totals
    severity = {r["key"]: r["count"] for r in _stats(client, headers, "forum1@kl1.dk", "severity")["rows"]}
    assert severity["none"] is None  # the 3 batch counts, hidden with the rest of their cell


def test_a_mistyped_stored_batch_month_does_not_break_the_statistics(app, client, headers):
    with app.app_context():
        h_med = db.session.scalar(select(Organisation).where(Organisation.code == "H-MED"))
        db.session.add(BatchCount(org_id=h_med.id, month=date(26, 10, 1), kind="fald", count=3, updated_at=FIXED_NOW))
        db.session.commit()
    for by in ("month", "event_type", "severity"):
        assert client.get(f"/api/v1/stats?by={by}", headers=headers["central@r.dk"]).status_code == 200


def test_batch_counts_appear_in_stats(app, client, headers):
    with app.app_context():
        save_counts(find_user("nurse@h.dk"), date(2026, 10, 1), {("H-MED", "fald"): 12, ("H-MED", "medicin_ikke_givet"): 7},
                    now=FIXED_NOW)
        db.session.commit()
    rows = {r["key"]: r["count"] for r in _stats(client, headers, "forum1@kl1.dk", "event_type")["rows"]}
    assert rows == {"fald": 12, "medicinering": 7}
    months = {r["key"]: r["count"] for r in _stats(client, headers, "central@r.dk", "month")["rows"]}
    assert months["2026-10"] == 19 and sum(c for c in months.values() if c) == 19
    assert _stats(client, headers, "forum2@kl2.dk", "event_type")["rows"] == []


def test_forum_member_search_finds_learning_never_cases(app, client, headers):
    summary_id = _draft(client, headers, app, title="Epikrise og hjemmepleje", visibility="national")
    assert client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"]).status_code == 200
    body = client.get("/api/v1/search?q=epikrisen", headers=headers["forum2@kl2.dk"]).get_json()
    assert "UTH-2026-" not in str(body)
    assert body["total"] >= 1 and all("UTH-" not in str(item.get("reference")) for item in body["items"])


def test_learning_search_is_full_text_with_danish_stemming_and_the_query_syntax(app, client, headers):
    fall = _draft(client, headers, app, title="Faldet efter udskrivelsen", summary="Borgeren faldt i hjemmet dagen efter hjemkomst.")
    fmk = _draft(client, headers, app, title="Medicinlisten i FMK", summary="Medicinlisten var ikke opdateret ved overgangen.")
    for summary_id in (fall, fmk):
        assert client.post(f"/api/v1/learning/{summary_id}/publish", headers=headers["rm@h.dk"]).status_code == 200
    ids = lambda q: [i["id"] for i in client.get(f"/api/v1/learning?q={q}", headers=headers["forum1@kl1.dk"]).get_json()["items"]]  # noqa: E731
    assert ids("fald") == [fall]  # faldet/faldt → fald
    assert ids("hjemkomsten") == [fall]  # hjemkomst/hjemkomsten
    assert ids("medicin*") == [fmk]
    assert ids('"ikke opdateret"') == [fmk]
    assert ids("fald OR fmk") and set(ids("fald OR fmk")) == {fall, fmk}
    assert ids("overgangen -fmk") == []
    bad = client.get('/api/v1/learning?q="', headers=headers["forum1@kl1.dk"])
    assert bad.status_code in (200, 422)
    if bad.status_code == 422:
        assert "q" in bad.get_json()["errors"]


def test_learning_from_an_approved_analysis(app, client, headers):
    from uth.rca.parts import add_part
    from uth.rca.services import create_analysis, set_status

    with app.app_context():
        rm = find_user("rm@h.dk")
        case = closed_case(actual_consequence="serious", possible_consequence=None)
        analysis = create_analysis(rm, case, "rca2", now=FIXED_NOW)
        add_part(rm, analysis, "causal_statements", {"cause": "Der var ingen elektronisk epikrise, fordi integrationen manglede",
                                                     "effect": "egen læge kendte ikke den nye dosis", "event": "dosis blev ikke ændret"}, now=FIXED_NOW)
        add_part(rm, analysis, "action_items", {"text": "Undervisning i epikriser", "strength": "weaker", "responsible": "AUH",
                                                "due_on": "2027-03-01"}, now=FIXED_NOW)
        add_part(rm, analysis, "action_items", {"text": "Integration mellem EPJ og lægesystem", "strength": "stronger",
                                                "responsible": "IT", "due_on": "2027-03-01"}, now=FIXED_NOW)
        db.session.commit()
        analysis_id = analysis.id
    early = client.post(f"/api/v1/analyses/{analysis_id}/learning", headers=headers["rm@h.dk"])
    assert early.status_code == 409  # not approved yet
    with app.app_context():
        from uth.rca.services import get_analysis
        rm = find_user("rm@h.dk")
        analysis = get_analysis(rm, analysis_id)
        set_status(rm, analysis, "in_review", now=FIXED_NOW)
        set_status(find_user("central@r.dk"), analysis, "approved", now=FIXED_NOW)  # not the author
        db.session.commit()
    assert client.post(f"/api/v1/analyses/{analysis_id}/learning", headers=headers["rm@k2.dk"]).status_code == 404
    response = client.post(f"/api/v1/analyses/{analysis_id}/learning", headers=headers["rm@h.dk"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["analysis_id"] == analysis_id and body["status"] == "draft"
    assert "integrationen manglede → egen læge kendte ikke den nye dosis" in body["summary"]
    assert body["recommendations"].splitlines() == ["- Integration mellem EPJ og lægesystem", "- Undervisning i epikriser"]
    titled = client.post(f"/api/v1/analyses/{analysis_id}/learning", json={"title": "Epikriser efter analysen"},
                         headers=headers["rm@h.dk"])
    assert titled.status_code == 201 and titled.get_json()["title"] == "Epikriser efter analysen"
    assert client.post(f"/api/v1/analyses/{analysis_id}/learning", json={"titel": "x"},
                       headers=headers["rm@h.dk"]).get_json()["errors"] == {"titel": ["Ukendt felt"]}


def test_creating_a_summary_takes_the_fields_in_the_body(app, client, headers):
    """SPEC §23: given fields replace the prefilled ones; an unknown field answers 422 naming it."""
    reference = _closed(app)
    body = {"title": "Epikrise sendes elektronisk", "summary": "Ny opsummering.", "learning_points": "Et punkt.",
            "recommendations": "Brug den elektroniske kanal.", "visibility": "national"}
    created = client.post(f"/api/v1/cases/{reference}/learning", json=body, headers=headers["rm@h.dk"])
    assert created.status_code == 201
    got = client.get(f"/api/v1/learning/{created.get_json()['id']}", headers=headers["rm@h.dk"]).get_json()
    assert {k: got[k] for k in body} == body

    unknown = client.post(f"/api/v1/cases/{reference}/learning", json={"title": "x", "tags": ["a"]}, headers=headers["rm@h.dk"])
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"tags"}
    bad = client.post(f"/api/v1/cases/{reference}/learning", json={"visibility": "world"}, headers=headers["rm@h.dk"])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"visibility"}
    not_object = client.post(f"/api/v1/cases/{reference}/learning", json=["title"], headers=headers["rm@h.dk"])
    assert not_object.status_code == 422
