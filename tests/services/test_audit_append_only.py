"""Audit entries are append-only: not through the ORM, not through SQL (SPEC §13)."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from uth.audit.models import AuditEntry
from uth.audit.services import record
from uth.extensions import db
from tests.conftest import FIXED_NOW


def _entry():
    record("system", "test.event", now=FIXED_NOW, detail={"n": 1})
    db.session.commit()
    return db.session.scalar(select(AuditEntry))


def test_orm_refuses_update_and_delete(ctx):
    entry = _entry()
    entry.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry.action)) == "test.event"


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'changed'", "DELETE FROM audit_entries"])
def test_database_refuses_update_and_delete(ctx, statement):
    _entry()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry.action)) == "test.event"

