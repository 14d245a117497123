"""cases: drop the stale `ix_cases_next_due_on` a database may still have from 0016's first version

0016 first created a plain index on `cases.next_due_on`; it was changed, the same day, to create the
partial index of open cases (`ix_cases_open_due`) instead. A database upgraded with the first version
kept the plain index: redundant beside the partial one, written on every workflow action, and a
difference from the models. A fresh database never had it; this removes it where it is.

Revision ID: 20261202_0017f
Revises: 0017b
"""
from alembic import op

revision = "20261202_0017f"
down_revision = "0017b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_cases_next_due_on")


def downgrade() -> None:
    pass  # the index was never part of the intended schema: nothing to put back
