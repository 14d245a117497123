"""a statement request can be withdrawn (by whom, when) and reminded (when last)

Revision ID: 20261202_0013
Revises: 20261202_0015
"""
from alembic import op
import sqlalchemy as sa

from uth.types import UTCDateTime

revision = "20261202_0013"
down_revision = "20261202_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("withdrawn_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reminded_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_statements_withdrawn_by_id_users"), "users", ["withdrawn_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.drop_constraint(op.f("fk_statements_withdrawn_by_id_users"), type_="foreignkey")
        batch.drop_column("reminded_at")
        batch.drop_column("withdrawn_by_id")
        batch.drop_column("withdrawn_at")
