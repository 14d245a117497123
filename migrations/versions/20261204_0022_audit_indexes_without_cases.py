"""audit entries: the organisation's and the action's indexes hold only entries about no case (issue 16)

A case's entries are read by the case (ix_audit_entries_case_id); the trail finds the others by
organisation, and the daily head mail and the learning digest look theirs up by action. Kept to
those entries, neither index is written by an action on a case, a submission's included: two
pages less a submission's commit writes (31 -> 29 on SQLite).

Revision ID: 20261204_0022
Revises: 20261204_0021
"""
import sqlalchemy as sa
from alembic import op

revision = "20261204_0022"
down_revision = "20261204_0021"
branch_labels = None
depends_on = None

_NO_CASE = sa.text("case_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_audit_entries_org_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.create_index("ix_audit_entries_org_id", "audit_entries", ["org_id"], sqlite_where=_NO_CASE, postgresql_where=_NO_CASE)
    op.create_index("ix_audit_entries_action", "audit_entries", ["action", "at"], sqlite_where=_NO_CASE,
                    postgresql_where=_NO_CASE)


def downgrade() -> None:
    op.drop_index("ix_audit_entries_org_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.create_index("ix_audit_entries_org_id", "audit_entries", ["org_id"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])
