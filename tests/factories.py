"""Plain functions that make test data through the real services."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from uth.auth.orgs import get_or_create_cluster, upsert_org
from uth.auth.services import add_user, create_token, find_user, grant_role
from uth.extensions import db
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from tests.conftest import FIXED_NOW

PASSWORD = "correct-horse-battery"


def make_org(code: str, sector: str = "hospital", parent: str | None = None, cluster: str | None = None, name: str | None = None):
    """An organisation (and its cluster) committed to the database."""
    if cluster:
        get_or_create_cluster(cluster)
    org = upsert_org(code, name or f"Org {code}", sector, parent, cluster)
    db.session.commit()
    return org


def make_user(email: str, role: str | None = None, scope: str | None = None, *grants: tuple[str, str | None], name: str | None = None):
    """A user with a password of PASSWORD and the given grants."""
    user = find_user(email) or add_user(email, name or email.split("@")[0].title(), PASSWORD, now=FIXED_NOW)
    for r, s in ([(role, scope)] if role else []) + list(grants):
        grant_role(user, r, s, now=FIXED_NOW)
    db.session.commit()
    return user


def make_token(user) -> str:
    """An API token for the user."""
    token = create_token(user, now=FIXED_NOW)
    db.session.commit()
    return token


def report_data(**overrides) -> dict:
    """A valid report body (SPEC §3); override any field."""
    data = {
        "occurred_at": (FIXED_NOW - timedelta(days=1)).isoformat(),
        "title": "Epikrise ikke modtaget",
        "description": "Patienten blev udskrevet, men egen læge modtog ikke epikrisen før kontrollen.",
        "actual_consequence": "none",
        "possible_consequence": "serious_or_fatal",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_case(reporter=None, *, public: bool = False, now: datetime = FIXED_NOW, **overrides):
    """A submitted case, committed; returns (case, receipt code)."""
    data = parse_report(report_data(**overrides), public=public, reporter=reporter, now=now, allow_received_at=True)
    case, receipt = submit_report(reporter, data, now=now, public=public)
    db.session.commit()
    return case, receipt


def auth_header(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_cases_concurrently(app, *, workers: int = 6, each: int = 5, **overrides) -> list[BaseException]:
    """`workers` threads, each in its own app context and session, submitting `each` cases at the
    same moment (like gunicorn workers); returns what they raised."""
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                for _ in range(each):
                    make_case(**overrides)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
