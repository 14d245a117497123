"""The trail page and its CSV export (SPEC §13): central risk managers see their subtree, admins all."""
import csv
import io

from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.extensions import db
from tests.anon_cases import personal_case, region
from tests.conftest import login, logout
from tests.factories import make_org, make_user


CREATED = "Sag oprettet"  # case.created in words (the page); the CSV keeps the machine name


def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0]


def _data(app):
    with app.app_context():
        users = region()
        make_org("X", "region")
        make_org("X-H", "hospital", parent="X")
        make_user("rm@xh.dk", "risk_manager", "X-H")
        make_user("central@x.dk", "central_risk_manager", "X")
        inside = personal_case(users["nurse"]).reference
        return inside


def test_central_sees_own_subtree_admin_sees_all(app, client):
    inside = _data(app)
    login(client, "central@r.dk")
    page = client.get("/audit").get_data(as_text=True)
    assert CREATED in _rows(page) and inside in page and "Revisionsspor" in page
    logout(client)
    login(client, "central@x.dk")
    page = client.get("/audit").get_data(as_text=True)
    assert inside not in page and CREATED not in _rows(page)
    logout(client)
    login(client, "admin@x.dk")
    assert inside in client.get("/audit").get_data(as_text=True)


def test_risk_manager_and_reporter_get_404(app, client):
    _data(app)
    for email in ("rm@h.dk", "nurse@h.dk"):
        login(client, email)
        assert client.get("/audit").status_code == 404
        assert client.get("/audit.csv").status_code == 404
        logout(client)


def test_filters_and_csv_export_is_audited(app, client):
    inside = _data(app)
    login(client, "admin@x.dk")
    page = client.get("/audit?action=auth.").get_data(as_text=True)
    assert "Logget ind" in _rows(page) and CREATED not in _rows(page)
    assert CREATED in _rows(client.get(f"/audit?reference={inside}&date_from=2026-11-23&date_to=2026-11-23").get_data(as_text=True))
    assert CREATED not in _rows(client.get("/audit?date_from=2026-11-24").get_data(as_text=True))
    response = client.get(f"/audit.csv?reference={inside}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["case.created"] and rows[0]["reference"] == inside
    with app.app_context():
        export = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.audit_csv")).one()
        assert export.actor_label == "admin@x.dk" and export.detail["count"] == 1


def test_no_route_changes_audit_entries(app):
    """Every audit URL only reads; the one POST records a purpose, it never changes an entry."""
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
