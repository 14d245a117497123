"""`uth export-national [--since DATE]`: anonymised closed cases as JSON lines, no personal data (SPEC §8)."""
import json
from datetime import timedelta

from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.extensions import db
from tests.anon_cases import assert_no_personal_data, close, personal_case, region
from tests.conftest import FIXED_NOW


def _setup(app):
    with app.app_context():
        users = region()
        old = personal_case(users["nurse"], now=FIXED_NOW - timedelta(days=40))
        close(users["rm"], old, now=FIXED_NOW - timedelta(days=30))
        new = personal_case(users["nurse"])
        close(users["rm"], new)
        personal_case(users["nurse"])  # open: never exported
        return old.reference, new.reference


def _rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_exports_closed_cases_without_personal_data(app, runner):
    old, new = _setup(app)
    result = runner.invoke(args=["uth", "export-national"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert [r["reference"] for r in rows] == [old, new]
    row = rows[1]
    assert row["format_version"] == 1
    assert row["closed_on"] == "2026-11-23" and row["received_on"] == "2026-11-23"
    assert row["transition"]["type"] == "udskrivelse"
    assert row["transition"]["from"] == {"code": "H", "sector": "hospital"}
    assert row["transition"]["to"] == {"code": "K", "sector": "kommune"}
    assert row["event_type_label"]["da"]
    assert row["learning"] == "Send epikrise ved udskrivelse."
    assert_no_personal_data(result.stdout)
    assert "patient" not in row and "reporter" not in row


def test_since_limits_to_cases_closed_on_or_after(app, runner):
    _, new = _setup(app)
    result = runner.invoke(args=["uth", "export-national", "--since", "2026-11-01"])
    assert [r["reference"] for r in _rows(result.stdout)] == [new]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.national")).one()
        assert entry.detail == {"count": 1, "since": "2026-11-01", "format": "json"}


def test_out_file(app, runner, tmp_path):
    _setup(app)
    target = tmp_path / "national.jsonl"
    result = runner.invoke(args=["uth", "export-national", "--out", str(target)])
    assert result.exit_code == 0
    assert len(_rows(target.read_text(encoding="utf-8"))) == 2
