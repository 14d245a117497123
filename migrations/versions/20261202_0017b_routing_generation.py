"""the routing generation: one row given a new random number by triggers on organisations, routing rules,
grants and users, so each process's cached routing values are read again after any change

Revision ID: 0017b
Revises: 20261202_0017d
"""
from alembic import op
import sqlalchemy as sa

revision = "0017b"
down_revision = "20261202_0017d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from uth.routing.models import generation_ddl

    op.create_table(
        "routing_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_generation")),
    )
    op.execute("INSERT INTO routing_generation (id, generation) VALUES (1, 0)")
    for statement in generation_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    from uth.routing.models import drop_generation_ddl

    for statement in drop_generation_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("routing_generation")
