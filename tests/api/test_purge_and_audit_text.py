"""Replaced and free text stays out of lasting storage: the audit trail, the database files after an
edit, and delivered feedback mail of anonymised cases."""
from pathlib import Path

from sqlalchemy import select

from tests.anon_cases import close, personal_case, region
from tests.conftest import FIXED_NOW
from tests.factories import make_token
from tests.smtp_server import smtp_server  # noqa: F401
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.handling.actions import perform
from uth.notifications.models import OutboxMessage


def test_comment_text_goes_to_the_history_not_the_audit_trail(app):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        perform(users["rm"], case, "comment", {"text": "Ringede til Xenia Quistgaard i dag"}, now=FIXED_NOW)
        db.session.commit()
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.comment")).one()
        assert "Quistgaard" not in str(entry.detail) and entry.detail["comment_given"] is True
        assert case.events[-1].detail["comment"] == "Ringede til Xenia Quistgaard i dag"


def _assert_gone_from_the_files(app, word: str) -> None:
    """Not in the SQLite database or its WAL, not in any search index file."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database = Path(db.engine.url.database)
            for path in (database, Path(f"{database}-wal")):
                if path.exists():
                    assert word.encode() not in path.read_bytes(), path
        index_dir = Path(app.config["UTH_INDEX_DIR"])
        for path in index_dir.rglob("*") if index_dir.exists() else []:
            if path.is_file():
                assert word.lower().encode() not in path.read_bytes().lower(), path


def test_edit_through_the_api_leaves_no_old_text_in_the_database_files(app, client):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"], description="Zebulonsky fik dobbelt dosis ved aftenbesøget i hjemmeplejen.")
        reference, token = case.reference, make_token(users["rm"])
    response = client.post(f"/api/v1/cases/{reference}/actions", headers={"Authorization": f"Bearer {token}"},
                           json={"action": "edit", "description": "[NAVN] fik dobbelt dosis ved aftenbesøget i hjemmeplejen."})
    assert response.status_code == 200
    _assert_gone_from_the_files(app, "Zebulonsky")


def test_delivered_feedback_mail_of_an_anonymised_case_is_deleted(app, smtp_server):  # noqa: F811
    from uth.notifications.sender import send_notifications

    app.config.update(UTH_SMTP_HOST=smtp_server.host, UTH_SMTP_PORT=smtp_server.port)
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        close(users["rm"], case)
        feedback = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "feedback")).one()
        assert feedback.to_address == "nurse@h.dk" and feedback.status == "pending"
        result = send_notifications(now=FIXED_NOW.replace(hour=12))
        assert result.sent >= 1 and result.purged >= 1
        assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all() == []
    assert any(m["To"] == "nurse@h.dk" for m in smtp_server.messages)


def test_editing_a_statement_answer_leaves_no_old_text_in_the_database_files_or_the_search_index(app, client):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        perform(users["rm"], case, "assign", {"assignee": "rm@h.dk"}, now=FIXED_NOW)
        perform(users["rm"], case, "request_statement", {"org": "K", "question": "Hvem tog imod patienten?"}, now=FIXED_NOW)
        perform(users["rm_k"], case, "respond", {"statement_id": case.statements[0].id,
                                                 "text": "Hjemmeplejen ved Zebulonsky tog imod patienten."}, now=FIXED_NOW)
        db.session.commit()
        reference, sid, token = case.reference, case.statements[0].id, make_token(users["rm"])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/search?q=Zebulonsky", headers=headers).get_json()["total"] == 1
    response = client.post(f"/api/v1/cases/{reference}/actions", headers=headers,
                           json={"action": "edit", f"statement:{sid}:answer": "Hjemmeplejen ved [NAVN] tog imod patienten."})
    assert response.status_code == 200
    assert client.get("/api/v1/search?q=Zebulonsky", headers=headers).get_json()["total"] == 0
    _assert_gone_from_the_files(app, "Zebulonsky")
