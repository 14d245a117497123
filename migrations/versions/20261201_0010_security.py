"""security hardening: server-side sessions, the shared rate-limit store, never-repeating Message-IDs,
purge requests that survive a busy WAL or a crash

Revision ID: 20261201_0010
Revises: 20261201_0009
"""
from alembic import op
import sqlalchemy as sa
import uth.types

revision = "20261201_0010"
down_revision = "20261201_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", uth.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", uth.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", uth.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_index(op.f("ix_user_sessions_expires_at"), "user_sessions", ["expires_at"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    op.create_index(op.f("ix_rate_limits_expires_at"), "rate_limits", ["expires_at"])
    op.create_table(
        "purge_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", uth.types.UTCDateTime(), nullable=False),
        sa.Column("index_done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_requests")),
    )
    op.create_index(op.f("ix_purge_requests_case_id"), "purge_requests", ["case_id"])
    # Message-IDs from a random id per message: row ids come back after the outbox is purged.
    op.add_column("outbox", sa.Column("uid", sa.String(length=32), nullable=True))
    random_hex = ("lower(hex(randomblob(16)))" if op.get_bind().dialect.name == "sqlite"
                  else "md5(random()::text || clock_timestamp()::text || id::text)")
    op.execute(f"UPDATE outbox SET uid = {random_hex}")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("uid", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f("uq_outbox_uid"), ["uid"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(batch.f("uq_outbox_uid"), type_="unique")
        batch.drop_column("uid")
    op.drop_index(op.f("ix_purge_requests_case_id"), table_name="purge_requests")
    op.drop_table("purge_requests")
    op.drop_index(op.f("ix_rate_limits_expires_at"), table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_index(op.f("ix_user_sessions_expires_at"), table_name="user_sessions")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
