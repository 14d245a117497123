"""search: ix_search_documents_recent includes the facets (PostgreSQL; issue 16)

A search for a common word within a scope or filters walks the documents newest first; with the
facets in the index's entries the walk tests them there (an index-only scan) and reads only the
rows that pass them: a local risk manager's scope is about a tenth of the documents.

Revision ID: 20261203_0020
Revises: 20261203_0019
"""
from alembic import op

revision = "20261203_0020"
down_revision = "20261203_0019"
branch_labels = None
depends_on = None

_FACETS = ["scope_org_ids", "org_ids", "status", "severity", "event_type"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_search_documents_recent", table_name="search_documents")
        op.create_index("ix_search_documents_recent", "search_documents", ["kind", "received_at", "doc_id"],
                        postgresql_include=_FACETS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_search_documents_recent", table_name="search_documents")
        op.create_index("ix_search_documents_recent", "search_documents", ["kind", "received_at", "doc_id"])
