"""the nearest open deadline stored on the case (the queue's sort key and overdue filter)

Revision ID: 20261202_0016
Revises: 20261202_0011
"""
from alembic import op
import sqlalchemy as sa

revision = "20261202_0016"
down_revision = "20261202_0011"
branch_labels = None
depends_on = None

OPEN = "('new', 'acknowledged', 'in_progress', 'awaiting_statement')"


def upgrade() -> None:
    op.add_column("cases", sa.Column("next_due_on", sa.Date(), nullable=True))
    # As reports.due.next_deadline: acknowledge_by while new, close_by, any unanswered statement.
    least = "LEAST" if op.get_bind().dialect.name == "postgresql" else "MIN"
    op.execute(
        f"UPDATE cases SET next_due_on = {least}("
        "CASE WHEN status = 'new' THEN acknowledge_by ELSE close_by END, "
        "COALESCE((SELECT MIN(respond_by) FROM statements WHERE statements.case_id = cases.id "
        "AND statements.answer IS NULL), close_by)) "
        f"WHERE status IN {OPEN}")
    op.create_index("ix_cases_open_due", "cases",
                    ["next_due_on", "status", "handling_org_id", "event_org_id", "reporting_org_id", "received_at",
                     "assignee_id"],
                    sqlite_where=sa.text("next_due_on IS NOT NULL"), postgresql_where=sa.text("next_due_on IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_cases_open_due", table_name="cases")
    op.drop_column("cases", "next_due_on")
