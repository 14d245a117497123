"""The audit hash chain (SPEC §21): `uth audit-verify` finds a changed, a removed and an inserted entry,
also after someone with database access dropped the append-only triggers first; the head is exported."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.anon_cases import close, personal_case, region
from tests.conftest import FIXED_NOW
from tests.factories import make_cases_concurrently, make_org
from uth.audit.chain import CONTENT, entry_hash
from uth.audit.models import AuditEntry, append_only_ddl, drop_append_only_ddl
from uth.audit.services import record
from uth.extensions import db
from uth.handling.actions import perform
from uth.notifications.models import OutboxMessage


@pytest.fixture
def history(app):
    """A case's life in the trail: created, edited, assigned, classified, closed, anonymised."""
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        perform(users["rm"], case, "edit", {"title": "Epikrise ikke sendt"}, now=FIXED_NOW)
        db.session.commit()
        close(users["rm"], case)
        return list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


@pytest.fixture
def no_triggers(app):
    """As someone with direct database access would: the append-only triggers dropped first."""
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            for statement in drop_append_only_ddl(dialect):
                conn.execute(text(statement))
        yield db.engine
        with db.engine.begin() as conn:
            for statement in drop_append_only_ddl(dialect) + append_only_ddl(dialect):
                conn.execute(text(statement))


def verify(runner, *args):
    result = runner.invoke(args=["uth", "audit-verify", *args])
    return result.exit_code, result.output


def test_an_untouched_trail_verifies_and_prints_its_head(app, runner, history):
    code, out = verify(runner)
    assert code == 0, out
    assert f"{len(history)} entries verified" in out
    head = re.search(r"head ([0-9a-f]{64})", out)[1]
    with app.app_context():
        last = db.session.get(AuditEntry, history[-1])
        assert last.hash == head
    printed = runner.invoke(args=["uth", "audit-head"]).output
    assert printed.startswith(head) and f"entry {history[-1]}" in printed
    assert verify(runner, "--head", head)[0] == 0
    assert verify(runner, "--head", "f" * 64)[0] == 1  # a head kept outside that the chain no longer has


def test_each_entry_is_chained_to_the_one_before(app, history):
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.hash, *(getattr(AuditEntry, n) for n in CONTENT)).order_by(AuditEntry.id)).mappings().all()
        previous = "0" * 64
        for row in rows:
            assert row["hash"] == entry_hash(previous, row)
            previous = row["hash"]


def test_a_changed_entry_is_named(app, runner, history, no_triggers):
    target = history[2]
    with no_triggers.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor_label = 'someone@else.dk' WHERE id = :id"), {"id": target})
    code, out = verify(runner)
    assert code == 1 and f"audit entry {target}:" in out and "2 entries verified before the break" in out


def test_a_changed_detail_is_named(app, runner, history, no_triggers):
    target = history[-1]
    with no_triggers.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET detail = :d WHERE id = :id"), {"id": target, "d": '{"fields": []}'})
    code, out = verify(runner)
    assert code == 1 and f"audit entry {target}:" in out


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(app, runner, history, no_triggers):
    with no_triggers.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": history[1]})
    code, out = verify(runner)
    assert code == 1 and f"audit entry {history[2]}:" in out


def test_the_last_entry_deleted_is_named_by_the_head(app, runner, history, no_triggers):
    with no_triggers.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": history[-1]})
    code, out = verify(runner)
    assert code == 1 and f"audit entry {history[-1]}: is missing" in out


def test_an_inserted_entry_is_named(app, runner, history, no_triggers):
    with app.app_context():
        columns = "at, actor_label, action, detail, hash"
        with no_triggers.begin() as conn:
            conn.execute(text(f"INSERT INTO audit_entries ({columns}) VALUES (:at, 'rm@h.dk', 'case.view', '{{}}', :h)"),
                         {"at": FIXED_NOW.replace(tzinfo=None), "h": "a" * 64})
        inserted = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    code, out = verify(runner)
    assert code == 1 and f"audit entry {inserted}:" in out


def test_an_inserted_entry_with_a_correct_hash_is_named_by_the_head(app, runner, history, no_triggers):
    """Someone who knows the algorithm forges the next hash, but the head the application keeps names
    the last entry it wrote."""
    with app.app_context():
        last = db.session.get(AuditEntry, history[-1])
        forged = {name: getattr(last, name) for name in CONTENT} | {"action": "case.view", "detail": {}}
        with no_triggers.begin() as conn:
            conn.execute(AuditEntry.__table__.insert().values(**forged, hash=entry_hash(last.hash, forged)))
        inserted = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    code, out = verify(runner)
    assert code == 1 and f"audit entry {inserted}: comes after the chain head" in out


def test_a_rolled_back_savepoint_leaves_no_entry_in_the_chain(app, runner, history):
    with app.app_context():
        try:
            with db.session.begin_nested():
                record("system", "test.undone", now=FIXED_NOW)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        record("system", "test.kept", now=FIXED_NOW)
        db.session.commit()
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-1] == "test.kept" and "test.undone" not in actions
    code, out = verify(runner)
    assert code == 0 and f"{len(history) + 1} entries verified" in out


def test_the_sweep_mails_the_head_once_a_day(app, runner, history):
    app.config["UTH_AUDIT_HEAD_TO"] = "revision@region.dk"
    for day in (0, 0, 1):
        now = (FIXED_NOW + timedelta(days=day, hours=1)).isoformat()
        result = runner.invoke(args=["uth", "sweep-deadlines", "--now", now])
        assert result.exit_code == 0, result.output
    with app.app_context():
        mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "audit_head").order_by(OutboxMessage.id)))
        assert [m.to_address for m in mails] == ["revision@region.dk"] * 2
        first_head = db.session.get(AuditEntry, history[-1]).hash
        assert first_head in mails[0].body and "23-11-2026" in mails[0].subject
    code, out = verify(runner)
    assert code == 0  # the mailing is itself in the chain


def test_concurrent_submissions_leave_a_chain_that_verifies(app, runner):
    """Workers submitting at the same moment each append at commit under the head lock: every
    entry is chained once, in id order, and the head names the last one."""
    with app.app_context():
        make_org("H", "hospital")
        db.session.commit()
    assert make_cases_concurrently(app, event_org="H") == []
    with app.app_context():
        created = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "case.created"))
        total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert created == 30
    code, out = verify(runner)
    assert code == 0 and f"{total} entries verified" in out, out
