"""deadlines and notifications: overdue records (each overdue deadline once) and the outbox claim time

Revision ID: 20261123_0003
Revises: 20261123_0001
"""
from alembic import op
import sqlalchemy as sa
import uth.types

revision = "20261123_0003"
down_revision = "20261123_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overdue_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", uth.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_overdue_records_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_records")),
        sa.UniqueConstraint("case_id", "deadline", name="uq_overdue_records_case_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", uth.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
    op.drop_table("overdue_records")
