"""learning: learning summaries with their source cases, batch counts and month locks

Revision ID: 20261123_0007
Revises: 20261123_0006
"""
from alembic import op
import sqlalchemy as sa
import uth.types

revision = "20261123_0007"
down_revision = "20261123_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', uth.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_batch_counts_count_not_negative')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_batch_counts_org_id_organisations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_batch_counts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_counts')),
    sa.UniqueConstraint('org_id', 'month', 'kind', name=op.f('uq_batch_counts_org_id'))
    )
    with op.batch_alter_table('batch_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_counts_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_counts_org_id'), ['org_id'], unique=False)

    op.create_table('batch_month_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('locked_at', uth.types.UTCDateTime(), nullable=False),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_batch_month_locks_locked_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_batch_month_locks_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_month_locks')),
    sa.UniqueConstraint('org_id', 'month', name=op.f('uq_batch_month_locks_org_id'))
    )
    with op.batch_alter_table('batch_month_locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_month_locks_org_id'), ['org_id'], unique=False)

    op.create_table('learning_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('learning_points', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=True),
    sa.Column('event_type', sa.String(length=80), nullable=True),
    sa.Column('transition_type', sa.String(length=80), nullable=True),
    sa.Column('sector_from', sa.String(length=32), nullable=True),
    sa.Column('sector_to', sa.String(length=32), nullable=True),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('analysis_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', uth.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', uth.types.UTCDateTime(), nullable=False),
    sa.Column('published_at', uth.types.UTCDateTime(), nullable=True),
    sa.Column('retracted_at', uth.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_learning_summaries_cluster_id_clusters')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_learning_summaries_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_learning_summaries_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_summaries'))
    )
    with op.batch_alter_table('learning_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_summaries_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_summaries_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_summaries_event_type'), ['event_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_summaries_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_summaries_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_summaries_status'), ['status'], unique=False)

    op.create_table('learning_summary_cases',
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_learning_summary_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['summary_id'], ['learning_summaries.id'], name=op.f('fk_learning_summary_cases_summary_id_learning_summaries')),
    sa.PrimaryKeyConstraint('summary_id', 'case_id', name=op.f('pk_learning_summary_cases'))
    )
    with op.batch_alter_table('learning_summary_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_summary_cases_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_table('learning_summary_cases')
    op.drop_table('learning_summaries')
    op.drop_table('batch_month_locks')
    op.drop_table('batch_counts')
