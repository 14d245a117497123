"""search: the documents of a kind, newest first (PostgreSQL searches walk it for common words)

Revision ID: 20261202_0017e
Revises: 20261202_0013
"""
from alembic import op

revision = "20261202_0017e"
down_revision = "20261202_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A search finds the newest matches in scope (postgres_backend.CANDIDATES): for a word in most
    # documents, walking this index and testing each row beats ranking every match of the GIN index.
    # Read backwards: newest first (received_at is never null: a case's receipt, a summary's publication).
    op.create_index("ix_search_documents_recent", "search_documents", ["kind", "received_at", "doc_id"])


def downgrade() -> None:
    op.drop_index("ix_search_documents_recent", table_name="search_documents")
