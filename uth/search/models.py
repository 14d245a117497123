"""Search tables: the PostgreSQL backend's documents and the outbox of pending index updates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from uth.extensions import db
from uth.reports.models import OPEN_STATUSES
from uth.types import UTCDateTime

# ix_search_documents_open's predicate, in the form pg_get_indexdef gives back unchanged (a rebuild
# re-creates the index from it, and pairs it with the live one by that text). A search for open
# statuses adds the statuses as constants, from which the planner proves that the index applies
# (it cannot from the filter's statuses, a bound parameter).
OPEN_DOCUMENTS = "(status)::text = ANY ('{" + ",".join(OPEN_STATUSES) + "}'::text[])"

FACET_COLUMNS = ("scope_org_ids", "org_ids", "status", "severity", "event_type")

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
    # A case's scope and filter values (`documents.case_facets`), so a search narrows in the index
    # itself; null for other kinds. Re-checked against the cases for the rows of a page.
    # scope_org_ids: the organisations (and their ancestors) whose risk managers see the case: the
    # handling one and the involved ones, and, negated, the place of an unrouted case for central
    # risk managers (`scope_org_ids && ARRAY[the actor's organisations]`).
    Column("scope_org_ids", ARRAY(Integer).with_variant(Text(), "sqlite")),
    # org_ids: the handling and the event's (or reporter's) organisation and their ancestors: the org filter.
    Column("org_ids", ARRAY(Integer).with_variant(Text(), "sqlite")),
    Column("status", String(24)),
    Column("severity", String(24)),
    Column("event_type", String(80)),
    Index("ix_search_documents_tsv", "tsv", postgresql_using="gin").ddl_if(dialect="postgresql"),
    Index("ix_search_documents_scope", "scope_org_ids", postgresql_using="gin").ddl_if(dialect="postgresql"),
    # Newest first (read backwards) within a kind: a search's candidates (postgres_backend.CANDIDATES).
    # With the facets on PostgreSQL: a walk tests them on the index's entries, not on the rows.
    Index("ix_search_documents_recent", "kind", "received_at", "doc_id", postgresql_include=list(FACET_COLUMNS)),
    # The same, of open cases only (few, and mostly recent): a search filtered to open statuses
    # walks it, or ANDs it with the scope's bitmap, instead of testing every closed case.
    # (On SQLite a plain index of an always-empty table, as the GIN ones.)
    Index("ix_search_documents_open", "kind", "received_at", "doc_id", postgresql_where=text(OPEN_DOCUMENTS)),
)
UPSERT, DELETE = "upsert", "delete"


class SearchOutbox(db.Model):
    """An index update written in the transaction of the change, applied after its commit.

    A crash between the commit and the index write leaves the row here; it is replayed at the
    next commit that indexes, at the first search of a process, and by `uth reindex`.
    """

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    doc_id: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
