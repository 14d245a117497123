"""search: a case document's scope and filter values beside its text (issue 16)

`scope_org_ids` (GIN-indexed on PostgreSQL), `org_ids`, `status`, `severity`, `event_type`: what a
search narrows by, kept in the document (`uth.search.documents.case_facets`) so that PostgreSQL
narrows inside the text search instead of working out the allowed case ids beside it. Existing
case documents are filled in one UPDATE from the cases, with the table's other secondary indexes
dropped meanwhile and built again once (at 1,000,000 cases maintaining the GIN index of the text
row by row cost far more than building it). Other kinds keep nulls.

Revision ID: 20261202_0018
Revises: 20261202_0017f
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "20261202_0018"
down_revision = "20261202_0017f"
branch_labels = None
depends_on = None

# The ids of an organisation and its ancestors, from its path ("/1/4/9/").
_PATH_IDS = "string_to_array(trim(both '/' from {o}.path), '/')::int[]"
# Must equal documents.case_facets: sorted distinct ids; negated: an unrouted case's place, for central roles.
_FILL = f"""
UPDATE search_documents d SET
    status = c.status, severity = c.severity, event_type = c.event_type,
    scope_org_ids = ARRAY(SELECT DISTINCT x FROM (
        SELECT x FROM organisations o, unnest({_PATH_IDS.format(o="o")}) x WHERE o.id = c.handling_org_id
        UNION ALL
        SELECT x FROM case_orgs co JOIN organisations o ON o.id = co.org_id, unnest({_PATH_IDS.format(o="o")}) x
        WHERE co.case_id = c.id
        UNION ALL
        SELECT -x FROM organisations o, unnest({_PATH_IDS.format(o="o")}) x
        WHERE c.handling_org_id IS NULL AND o.id = coalesce(c.event_org_id, c.reporting_org_id)
    ) s ORDER BY x),
    org_ids = ARRAY(SELECT DISTINCT x FROM organisations o, unnest({_PATH_IDS.format(o="o")}) x
                    WHERE o.id IN (c.handling_org_id, coalesce(c.event_org_id, c.reporting_org_id)) ORDER BY x)
FROM cases c
WHERE d.kind = 'case' AND d.doc_id = c.id
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    ids = postgresql.ARRAY(sa.Integer()) if postgres else sa.Text()
    op.add_column("search_documents", sa.Column("scope_org_ids", ids, nullable=True))
    op.add_column("search_documents", sa.Column("org_ids", ids, nullable=True))
    op.add_column("search_documents", sa.Column("status", sa.String(length=24), nullable=True))
    op.add_column("search_documents", sa.Column("severity", sa.String(length=24), nullable=True))
    op.add_column("search_documents", sa.Column("event_type", sa.String(length=80), nullable=True))
    if postgres:
        bind = op.get_bind()
        secondary = bind.exec_driver_sql(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'search_documents'::regclass AND NOT i.indisprimary AND NOT i.indisunique").all()
        for name, _ in secondary:
            op.execute(f'DROP INDEX "{name}"')
        op.execute(_FILL)
        for _, definition in secondary:
            op.execute(definition)
    # GIN on PostgreSQL; on SQLite a plain index of an always-empty table (as 0005's of tsv).
    op.create_index("ix_search_documents_scope", "search_documents", ["scope_org_ids"], postgresql_using="gin")
    if postgres:
        op.execute("ANALYZE search_documents")


def downgrade() -> None:
    op.drop_index("ix_search_documents_scope", table_name="search_documents", postgresql_using="gin")
    for name in ("event_type", "severity", "status", "org_ids", "scope_org_ids"):
        op.drop_column("search_documents", name)
