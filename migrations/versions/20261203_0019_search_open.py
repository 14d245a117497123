"""search: the documents of open cases, newest first (PostgreSQL; issue 16)

A search filtered to open statuses walks this partial index, or ANDs it with the scope's GIN
bitmap, instead of testing the text of every closed case on its way (at 1,000,000 cases a local
risk manager's open cases of a type with a common word cost 0.7-1.8 s: fewer than the candidates
match, so a walk of every document went to the end). The predicate is `models.OPEN_DOCUMENTS`.

Revision ID: 20261203_0019
Revises: 20261202_0018
"""
from alembic import op
import sqlalchemy as sa

revision = "20261203_0019"
down_revision = "20261202_0018"
branch_labels = None
depends_on = None

_OPEN = "(status)::text = ANY ('{new,acknowledged,in_progress,awaiting_statement}'::text[])"


def upgrade() -> None:
    # Partial on PostgreSQL; on SQLite a plain index of an always-empty table (as 0018's GIN index).
    op.create_index("ix_search_documents_open", "search_documents", ["kind", "received_at", "doc_id"],
                    postgresql_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index("ix_search_documents_open", table_name="search_documents")
