"""search: the PostgreSQL backend's document table and the outbox of pending index updates

Revision ID: 20261123_0005
Revises: 20261123_0004
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import uth.types

revision = "20261123_0005"
down_revision = "20261123_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "search_documents",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("doc_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        # tsvector on PostgreSQL (the postgres backend searches it); plain text elsewhere, unused.
        sa.Column("tsv", postgresql.TSVECTOR() if postgres else sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "doc_id", name=op.f("pk_search_documents")),
    )
    # GIN on PostgreSQL; on SQLite a plain index of an always-empty table, so that the schema
    # equals the models there too (alembic compares indexes without their ddl_if).
    op.create_index("ix_search_documents_tsv", "search_documents", ["tsv"], postgresql_using="gin")
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("doc_id", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("created_at", uth.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )


def downgrade() -> None:
    op.drop_table("search_outbox")
    op.drop_index("ix_search_documents_tsv", table_name="search_documents", postgresql_using="gin")
    op.drop_table("search_documents")
