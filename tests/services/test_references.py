"""Case references stay unique and gap-free when many workers report at the same moment (SPEC §3)."""
import threading

from sqlalchemy import select

from uth.extensions import db
from uth.reports.models import Case
from tests.factories import make_case, make_org


def test_concurrent_submissions_get_unique_sequential_references(app):
    with app.app_context():
        make_org("H", "hospital")
    errors = []

    def worker():
        try:
            with app.app_context():
                for _ in range(5):
                    make_case(event_org="H")
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        refs = sorted(db.session.scalars(select(Case.reference)))
    assert refs == [f"UTH-2026-{n:06d}" for n in range(1, 31)]
