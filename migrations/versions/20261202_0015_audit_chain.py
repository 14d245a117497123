"""the audit hash chain (SPEC §21): a hash on every entry, the chain head; existing entries chained in id order

Revision ID: 20261202_0015
Revises: 20261202_0011b
"""
from alembic import op
import sqlalchemy as sa

revision = "20261202_0015"
down_revision = "20261202_0011b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from uth.audit.chain import CONTENT, GENESIS, entry_hash
    from uth.audit.models import append_only_ddl, drop_append_only_ddl

    op.add_column("audit_entries", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    entries = sa.table("audit_entries", sa.column("id"), sa.column("hash"), *(sa.column(n) for n in CONTENT if n not in ("at", "detail")),
                       sa.column("at", sa.DateTime()), sa.column("detail", sa.JSON()))
    for statement in drop_append_only_ddl(dialect, ("update",)):  # the one time entries get their hash afterwards
        op.execute(statement)
    previous, last_id, count = GENESIS, None, 0
    for row in bind.execute(sa.select(entries).order_by(entries.c.id)).mappings().all():
        previous = entry_hash(previous, row)
        bind.execute(entries.update().where(entries.c.id == row["id"]).values(hash=previous))
        last_id, count = row["id"], count + 1
    for statement in append_only_ddl(dialect, ("update",)):
        op.execute(statement)
    bind.execute(sa.table("audit_chain_head", sa.column("id"), sa.column("last_id"), sa.column("hash"), sa.column("entries"))
                 .insert().values(id=1, last_id=last_id, hash=previous, entries=count))


def downgrade() -> None:
    from uth.audit.models import append_only_ddl, drop_append_only_ddl

    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("hash")
    if op.get_bind().dialect.name == "sqlite":  # the batch re-created the table without its triggers
        for statement in drop_append_only_ddl("sqlite") + append_only_ddl("sqlite"):
            op.execute(statement)
