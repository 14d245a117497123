"""GET /api/v1/cases as a queue (SPEC §6): nearest open deadline first, overdue filter, day counts."""
from datetime import date, datetime, timezone

from uth.auth.orgs import get_org
from uth.extensions import db
from uth.reports.models import Statement
from tests.conftest import FIXED_NOW
from tests.factories import make_case
from uth.reports.services import refresh_next_due


def _case(title: str, received: str, status: str, statements=()):
    case, _ = make_case(title=title, received_at=received, occurred_at=received, event_org="H-MED")
    case.status = status
    for respond_by, answer in statements:
        case.statements.append(Statement(org_id=get_org("K").id, question="Hvad skete der?",
                                         requested_at=FIXED_NOW, respond_by=respond_by, answer=answer,
                                         answered_at=FIXED_NOW if answer else None))
    db.session.flush()
    refresh_next_due(case)  # as the services do when they change the state or a statement
    db.session.commit()
    return case.reference


def _queue(client, region, query=""):
    response = client.get(f"/api/v1/cases{query}", headers=region.headers["rm_h"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_sorted_by_nearest_open_deadline_including_statements(app, client, region):
    with app.app_context():
        refs = {
            "closed": _case("closed", "2026-08-01T10:00:00+02:00", "closed"),
            "far": _case("far", "2026-11-10T10:00:00+01:00", "in_progress",
                         statements=[(date(2026, 11, 12), "Svaret")]),  # answered: no longer counts
            "close_soon": _case("close_soon", "2026-09-01T10:00:00+02:00", "in_progress"),  # close_by 30 Nov
            "ack": _case("ack", "2026-11-20T10:00:00+01:00", "new"),  # acknowledge_by Wed 25 Nov
            "statement": _case("statement", "2026-11-16T10:00:00+01:00", "awaiting_statement",
                               statements=[(date(2026, 11, 24), None), (date(2026, 12, 4), None)]),
            "overdue": _case("overdue", "2026-11-16T10:00:00+01:00", "new"),  # acknowledge_by Thu 19 Nov
            # reopened while a statement was still open: its respond_by still counts
            "reopened": _case("reopened", "2026-11-16T10:00:00+01:00", "in_progress",
                              statements=[(date(2026, 11, 26), None)]),
        }
    body = _queue(client, region)
    assert [c["title"] for c in body["items"]] == ["overdue", "statement", "ack", "reopened", "close_soon", "far", "closed"]
    assert body["total"] == 7
    by_title = {c["title"]: c for c in body["items"]}
    assert by_title["overdue"]["overdue"] == ["acknowledge_by"]
    assert by_title["statement"]["overdue"] == [] and by_title["statement"]["statements"][0]["respond_by"] == "2026-11-24"
    assert refs["overdue"] == by_title["overdue"]["reference"]


def test_overdue_filter_turns_at_the_end_of_the_local_day(app, client, region):
    with app.app_context():
        _case("due today", "2026-11-18T10:00:00+01:00", "new")  # acknowledge_by Monday 23 November
        _case("not due", "2026-11-20T10:00:00+01:00", "new")
        _case("closed late", "2026-08-01T10:00:00+02:00", "closed")
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 22, 59, 59, tzinfo=timezone.utc)  # 23:59:59 local
    body = _queue(client, region, "?overdue=true")
    assert body["total"] == 0 and body["items"] == []
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc)  # midnight local
    body = _queue(client, region, "?overdue=true")
    assert [c["title"] for c in body["items"]] == ["due today"] and body["total"] == 1
    assert body["items"][0]["overdue"] == ["acknowledge_by"]
    assert _queue(client, region, "?overdue=true&status=in_progress")["total"] == 0


def test_days_to_close_and_case_age_in_local_days(app, client, region):
    with app.app_context():
        _case("open", "2026-09-01T10:00:00+02:00", "in_progress")  # close_by 30 November
        _case("closed", "2026-08-01T10:00:00+02:00", "closed")
    items = {c["title"]: c for c in _queue(client, region)["items"]}
    assert (items["open"]["days_to_close"], items["open"]["case_age_days"]) == (7, 83)
    assert items["open"]["deadlines"]["close_by"] == "2026-11-30"
    assert items["closed"]["days_to_close"] is None
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 24th in Copenhagen
    items = {c["title"]: c for c in _queue(client, region)["items"]}
    assert (items["open"]["days_to_close"], items["open"]["case_age_days"]) == (6, 84)


def test_due_this_week_and_status_all(app, client, region):
    with app.app_context():
        ack = _case("ack", "2026-11-20T10:00:00+01:00", "new")  # acknowledge_by Wed 25 Nov: this week
        overdue = _case("overdue", "2026-11-16T10:00:00+01:00", "new")  # Thu 19 Nov: overdue, not "due"
        later = _case("later", "2026-11-20T10:00:00+01:00", "in_progress")  # close_by in February
        closed = _case("closed", "2026-08-01T10:00:00+02:00", "closed")
    assert [c["reference"] for c in _queue(client, region, "?due=week")["items"]] == [ack]
    assert {c["reference"] for c in _queue(client, region, "?status=all")["items"]} == {ack, overdue, later, closed}
    assert client.get("/api/v1/cases?due=month", headers=region.headers["rm_h"]).status_code == 422
