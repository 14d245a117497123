"""case filter index: search and statistics filters read a covering index, not the wide case rows

Revision ID: 20261123_0008
Revises: 20261123_0007
"""
from alembic import op

revision = "20261123_0008"
down_revision = "20261123_0007"
branch_labels = None
depends_on = None

COLUMNS = ["status", "event_type", "severity", "received_at", "handling_org_id", "event_org_id", "reporting_org_id"]


def upgrade() -> None:
    op.create_index("ix_cases_filters", "cases", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cases_filters", table_name="cases")
