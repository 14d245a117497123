"""the staff reporter's receipt code, shown again on their report's page in Mine indberetninger (SPEC §18, §19)

Revision ID: 20261202_0011b
Revises: 20261202_0016
"""
from alembic import op
import sqlalchemy as sa

revision = "20261202_0011b"
down_revision = "20261202_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("staff_receipt_code", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("staff_receipt_code")
