"""`uth send-digest`: one e-mail per forum member with new summaries, titles and links only."""
from datetime import timedelta

from sqlalchemy import select

from uth.audit.models import AuditEntry
from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services
from uth.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW
from tests.learning_region import closed_case, make_learning_region


def test_send_digest_queues_one_mail_per_forum_member_with_new_learning(app, runner):
    with app.app_context():
        make_learning_region()
        rm = find_user("rm@h.dk")
        case = closed_case()
        summary = services.create_summary_from_case(rm, case, now=FIXED_NOW)
        services.update_summary(rm, summary, {"title": "Epikriser til egen læge"}, now=FIXED_NOW)
        services.publish_summary(rm, summary, now=FIXED_NOW)
        db.session.commit()
        reference, summary_id = case.reference, summary.id

    result = runner.invoke(args=["uth", "send-digest", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "1 digest e-mails queued" in result.output
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "learning_digest")).all()
        assert [m.to_address for m in messages] == ["forum1@kl1.dk"]  # the KL2 forum has nothing new
        assert "Epikriser til egen læge" in messages[0].body and f"/learning/{summary_id}" in messages[0].body
        assert reference not in messages[0].body and messages[0].case_id is None

    assert runner.invoke(args=["uth", "send-digest", "--since", "2026-11-24"]).output.strip() == "0 digest e-mails queued"
    bad = runner.invoke(args=["uth", "send-digest", "--since", "november"])
    assert bad.exit_code == 1 and "since" in bad.output


def test_send_digest_by_default_continues_where_the_last_digest_ended(app, runner):
    """Run monthly, a summary published just after a run is in the next one, however long the month."""
    with app.app_context():
        make_learning_region()
        rm = find_user("rm@h.dk")
        published_on = FIXED_NOW - timedelta(days=34)  # 20 October: more than 30 days before the run
        summary = services.create_summary_from_case(rm, closed_case(), now=published_on)
        services.update_summary(rm, summary, {"title": "Fald efter hjemkomst"}, now=published_on)
        services.publish_summary(rm, summary, now=published_on)
        db.session.commit()

    first = runner.invoke(args=["uth", "send-digest"])  # no digest before: since 1 October
    assert first.exit_code == 0 and first.output.strip() == "1 digest e-mails queued", first.output
    again = runner.invoke(args=["uth", "send-digest"])  # since the first run: nothing new
    assert again.exit_code == 0 and again.output.strip() == "0 digest e-mails queued"
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "learning.digest").order_by(AuditEntry.id)).all()
        assert [e.detail["since"][:10] for e in entries] == ["2026-09-30", "2026-11-23"]  # 1 October, Danish midnight
