"""outbox purge flag: a message whose case was anonymised while it waited is deleted once done

Revision ID: 20261201_0009
Revises: 20261123_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "20261201_0009"
down_revision = "20261123_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("purge_when_done", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("purge_when_done")
