"""learning: schema of this feature (filled in by the feature's change)

Revision ID: 20261123_0007
Revises: 20261123_0006
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import uth.types  # noqa: F401

revision = "20261123_0007"
down_revision = "20261123_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
