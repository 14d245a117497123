"""The indexes a new case's commit writes into: none that another index already serves, and the ones
kept narrow still serve their look-ups (issue 16: each index is one more page a submission writes)."""
from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint, create_engine, literal_column, or_, select, text

import uth.models  # noqa: F401
from uth.audit.models import AuditEntry
from uth.auth.permissions import in_subtree
from uth.extensions import db
from uth.notifications.models import OutboxMessage, OutboxStatus
from uth.reports.models import Case


def _partial(index: Index) -> bool:
    return any(index.dialect_options[dialect].get("where") is not None for dialect in ("sqlite", "postgresql"))


def test_no_index_is_the_start_of_another():
    redundant = []
    for table in db.metadata.tables.values():
        plain = [index for index in table.indexes if not index.unique and not _partial(index)]
        wider = [(index.name, [c.name for c in index.columns]) for index in table.indexes if not _partial(index)]
        wider += [(constraint.name, [c.name for c in constraint.columns]) for constraint in table.constraints
                  if isinstance(constraint, UniqueConstraint)]
        for index in plain:
            columns = [c.name for c in index.columns]
            redundant += [f"{table.name}.{index.name} starts {name}" for name, others in wider
                          if name != index.name and len(others) > len(columns) and others[:len(columns)] == columns]
    assert redundant == []


def _plan(engine, statement) -> str:
    with engine.connect() as conn:
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        return " ".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


def test_the_narrow_indexes_serve_their_look_ups(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'plans.sqlite3'}")
    db.metadata.create_all(engine)
    try:
        # Only assigned cases are in the assignee's index (a new case has no assignee); "my cases" reads it.
        assert "ix_cases_assignee_id" in _plan(engine, select(Case.id).where(Case.assignee_id == 7))
        # The sender's look-up: pending and due, oldest first, in one index.
        due = (select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING.value,
                                              OutboxMessage.next_attempt_at <= literal_column("'2026-12-04 12:00:00'"))
               .order_by(OutboxMessage.next_attempt_at))
        assert "ix_outbox_due" in _plan(engine, due)
        # The audit entries about no case: the trail finds them by organisation (a case's by the case),
        # the daily head mail its own by action.
        trail = select(AuditEntry.id).where(or_(
            AuditEntry.case_id.in_(select(Case.id).where(Case.handling_org_id == 3)),
            AuditEntry.case_id.is_(None) & in_subtree(AuditEntry.org_id, ["1/"])))
        assert "SCAN audit_entries" not in _plan(engine, trail)  # each side read by an index
        by_org = select(AuditEntry.id).where(AuditEntry.case_id.is_(None), AuditEntry.org_id == 3)
        assert "ix_audit_entries_org_id" in _plan(engine, by_org)
        mailed = select(AuditEntry.id).where(AuditEntry.case_id.is_(None), AuditEntry.action == "audit.head_mailed",
                                             AuditEntry.at >= literal_column("'2026-12-04 00:00:00'"))
        assert "ix_audit_entries_action" in _plan(engine, mailed)
        # A filter on the status alone reads the filters' index, which leads with it.
        assert "ix_cases_filters" in _plan(engine, select(Case.id).where(Case.status == "new"))
    finally:
        engine.dispose()
