"""anonymisation and audit: schema of this feature (filled in by the feature's change)

Revision ID: 20261123_0004
Revises: 20261123_0003
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import uth.types  # noqa: F401

revision = "20261123_0004"
down_revision = "20261123_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Append-only audit_entries at the database level (triggers; invisible to compare_metadata)."""
    from uth.audit.models import append_only_ddl

    for statement in append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    from uth.audit.models import drop_append_only_ddl

    dialect = op.get_bind().dialect.name
    for statement in drop_append_only_ddl(dialect):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
