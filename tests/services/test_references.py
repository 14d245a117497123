"""Case references stay unique and gap-free when many workers report at the same moment (SPEC §3)."""
from sqlalchemy import select

from uth.extensions import db
from uth.reports.models import Case
from tests.factories import make_cases_concurrently, make_org


def test_concurrent_submissions_get_unique_sequential_references(app):
    with app.app_context():
        make_org("H", "hospital")
    assert make_cases_concurrently(app, event_org="H") == []
    with app.app_context():
        refs = sorted(db.session.scalars(select(Case.reference)))
    assert refs == [f"UTH-2026-{n:06d}" for n in range(1, 31)]
