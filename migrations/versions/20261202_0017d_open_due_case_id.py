"""the queue's index of open cases carries the case id on PostgreSQL (index-only scans)

The scope check of the queue and its counters reads the case id (the involved organisations are
found by it). SQLite keeps the rowid in every index; a PostgreSQL B-tree does not, so each open case
the queue scanned was read from the table as well (at 100,000 cases 5,400 pages for the overdue
count instead of 180).

Revision ID: 20261202_0017d
Revises: 20261202_0017e
"""
from alembic import op
import sqlalchemy as sa

revision = "20261202_0017d"
down_revision = "20261202_0017e"
branch_labels = None
depends_on = None

COLUMNS = ["next_due_on", "status", "handling_org_id", "event_org_id", "reporting_org_id", "received_at", "assignee_id"]
OPEN = sa.text("next_due_on IS NOT NULL")


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the rowid (the case id) is in the index already
    op.drop_index("ix_cases_open_due", table_name="cases")
    op.create_index("ix_cases_open_due", "cases", COLUMNS, postgresql_where=OPEN, postgresql_include=include)


def upgrade() -> None:
    _recreate(["id"])


def downgrade() -> None:
    _recreate([])
