"""GET /api/v1/cases as a queue (SPEC §6): nearest open deadline first, overdue filter, day counts."""
from datetime import UTC, date, datetime

from tests.conftest import FIXED_NOW
from tests.factories import make_case, report_data
from uth.auth.orgs import get_org
from uth.extensions import db
from uth.reports.models import Statement
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
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)  # 23:59:59 local
    body = _queue(client, region, "?overdue=true")
    assert body["total"] == 0 and body["items"] == []
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # midnight local
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
    app.config["UTH_FIXED_NOW"] = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 on the 24th in Copenhagen
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


def _act(client, region, who, ref, action, **payload):
    response = client.post(f"/api/v1/cases/{ref}/actions", json={"action": action, **payload}, headers=region.headers[who])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_each_queue_item_is_the_case_as_its_own_page_shows_it_without_identities(client, region):
    """The queue reads its page without the ORM: each item must still be what GET /cases/<reference>
    answers (organisations, involved, transition, statements, assignee, duplicate, medication), less
    the identities and the dialogue, for the handler, an involved organisation and the central one."""
    def report(**fields):
        body = report_data(**fields)
        response = client.post("/api/v1/reports", json=body, headers=region.headers["nurse"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()["reference"]

    full = report(transition={"type": "udskrivelse", "from_org": "H-MED", "to_org": "K-HJ"},
                  medication={"name": "Panodil", "atc": "N02BE01"}, patient={"cpr": "0101901234", "name": "Jens Hansen"})
    _act(client, region, "rm_h", full, "assign", assignee="rm@h.dk")
    _act(client, region, "rm_h", full, "request_statement", org="K-HJ", question="Hvornår modtog I epikrisen?")
    first = client.get(f"/api/v1/cases/{full}", headers=region.headers["rm_h"]).get_json()["statements"][0]["id"]
    _act(client, region, "rm_k", full, "respond", statement_id=first, text="Tre dage efter udskrivelsen.")
    _act(client, region, "rm_h", full, "request_statement", org="K-HJ", question="Og medicinlisten?")
    second = report(event_org="K-HJ", reporter={"anonymous": True})
    duplicate = report(title="Samme hændelse igen")
    _act(client, region, "rm_h", duplicate, "reject", reason="duplicate", duplicate_of=full, comment="Samme sag")
    hidden = report(event_org="K2")
    for who, wanted in (("rm_h", {full, duplicate}), ("rm_k", {full, second}), ("central", {full, duplicate})):
        body = client.get("/api/v1/cases?status=all", headers=region.headers[who]).get_json()
        assert {item["reference"] for item in body["items"]} == wanted and body["total"] == len(wanted)
        assert hidden not in {item["reference"] for item in body["items"]}
        for item in body["items"]:
            case = client.get(f"/api/v1/cases/{item['reference']}", headers=region.headers[who]).get_json()
            for shown_only_on_its_page in ("reporter", "patient", "messages", "suggested_event_type"):
                case.pop(shown_only_on_its_page, None)
            assert item == case
    items = {i["reference"]: i for i in client.get("/api/v1/cases?status=all", headers=region.headers["rm_h"]).get_json()["items"]}
    assert items[full]["assignee"] == "rm@h.dk" and items[full]["transition"]["to_org"] == "K-HJ"
    assert [s["answer"] for s in items[full]["statements"]] == ["Tre dage efter udskrivelsen.", None]
    assert items[full]["involved_orgs"] and items[full]["medication"]["name"] == "Panodil"
    assert items[duplicate]["duplicate_of"] == full and items[duplicate]["status"] == "rejected"


def test_the_queue_follows_a_grant_given_and_taken_at_once_with_the_same_filters(app, client, region):
    """The queue's statements are kept per scope and filters: a grant changed between two identical
    requests changes what the next one lists and counts."""
    from uth.auth.services import find_grant, find_user, grant_role, set_grant_active

    with app.app_context():
        hospital = _case("hospital", "2026-11-16T10:00:00+01:00", "new")
    assert _queue(client, region, "?overdue=true")["total"] == 1
    as_rm_k = client.get("/api/v1/cases?overdue=true", headers=region.headers["rm_k"]).get_json()
    assert as_rm_k == {"items": [], "total": 0, "page": 1, "per_page": 50}
    with app.app_context():
        grant_role(find_user("rm@k.dk"), "risk_manager", "H", now=FIXED_NOW)
        db.session.commit()
    as_rm_k = client.get("/api/v1/cases?overdue=true", headers=region.headers["rm_k"]).get_json()
    assert [c["reference"] for c in as_rm_k["items"]] == [hospital] and as_rm_k["total"] == 1
    with app.app_context():
        set_grant_active(find_grant(find_user("rm@k.dk"), "risk_manager", "H"), False)
        db.session.commit()
    as_rm_k = client.get("/api/v1/cases?overdue=true", headers=region.headers["rm_k"]).get_json()
    assert as_rm_k["items"] == [] and as_rm_k["total"] == 0
