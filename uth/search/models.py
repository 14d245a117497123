"""The PostgreSQL backend's document table, on the app's metadata so migrations manage it."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Text
from sqlalchemy.dialects.postgresql import TSVECTOR

from uth.extensions import db

# On SQLite (where whoosh searches) the table is created too, harmlessly, with tsv as text:
# one metadata for create_all and alembic, no dialect-specific DDL outside the migrations.
search_documents = Table(
    "search_documents",
    db.metadata,
    Column("kind", String(16), primary_key=True),
    Column("doc_id", BigInteger, primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True)),
    Column("tsv", TSVECTOR().with_variant(Text(), "sqlite"), nullable=False),
    Index("ix_search_documents_tsv", "tsv", postgresql_using="gin").ddl_if(dialect="postgresql"),
)
