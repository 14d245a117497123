"""rca: analyses of cases with team, timeline, causal statements, contributing factors, action plan

Revision ID: 20261123_0006
Revises: 20261123_0005
"""
from alembic import op
import sqlalchemy as sa
import uth.types

revision = "20261123_0006"
down_revision = "20261123_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analyses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('handling_org_id', sa.Integer(), nullable=True),
    sa.Column('created_at', uth.types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', uth.types.UTCDateTime(), nullable=False),
    sa.Column('approved_at', uth.types.UTCDateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_analyses_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_analyses_created_by_id_users')),
    sa.ForeignKeyConstraint(['handling_org_id'], ['organisations.id'], name=op.f('fk_analyses_handling_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analyses'))
    )
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analyses_handling_org_id'), ['handling_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analyses_status'), ['status'], unique=False)

    op.create_table('analysis_action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('strength', sa.String(length=20), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('process_measure', sa.Text(), nullable=True),
    sa.Column('outcome_measure', sa.Text(), nullable=True),
    sa.Column('status_changed_at', uth.types.UTCDateTime(), nullable=True),
    sa.Column('overdue_notified_at', uth.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_action_items_analysis_id_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_action_items'))
    )
    with op.batch_alter_table('analysis_action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_action_items_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analysis_action_items_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_analysis_action_items_status'), ['status'], unique=False)

    op.create_table('analysis_cases',
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_cases_analysis_id_analyses')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_analysis_cases_case_id_cases')),
    sa.PrimaryKeyConstraint('analysis_id', 'case_id', name=op.f('pk_analysis_cases'))
    )
    with op.batch_alter_table('analysis_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_cases_case_id'), ['case_id'], unique=False)

    op.create_table('analysis_causal_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('effect', sa.Text(), nullable=False),
    sa.Column('event', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_causal_statements_analysis_id_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_causal_statements'))
    )
    with op.batch_alter_table('analysis_causal_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_causal_statements_analysis_id'), ['analysis_id'], unique=False)

    op.create_table('analysis_contributing_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_contributing_factors_analysis_id_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_contributing_factors'))
    )
    with op.batch_alter_table('analysis_contributing_factors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_contributing_factors_analysis_id'), ['analysis_id'], unique=False)

    op.create_table('analysis_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('involved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_team_members_analysis_id_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_team_members'))
    )
    with op.batch_alter_table('analysis_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_team_members_analysis_id'), ['analysis_id'], unique=False)

    op.create_table('analysis_timeline_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('at', uth.types.UTCDateTime(), nullable=True),
    sa.Column('time_text', sa.String(length=100), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_analysis_timeline_entries_analysis_id_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_timeline_entries'))
    )
    with op.batch_alter_table('analysis_timeline_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_timeline_entries_analysis_id'), ['analysis_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('analysis_timeline_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_timeline_entries_analysis_id'))

    op.drop_table('analysis_timeline_entries')
    with op.batch_alter_table('analysis_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_team_members_analysis_id'))

    op.drop_table('analysis_team_members')
    with op.batch_alter_table('analysis_contributing_factors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_contributing_factors_analysis_id'))

    op.drop_table('analysis_contributing_factors')
    with op.batch_alter_table('analysis_causal_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_causal_statements_analysis_id'))

    op.drop_table('analysis_causal_statements')
    with op.batch_alter_table('analysis_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_cases_case_id'))

    op.drop_table('analysis_cases')
    with op.batch_alter_table('analysis_action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_action_items_status'))
        batch_op.drop_index(batch_op.f('ix_analysis_action_items_due_on'))
        batch_op.drop_index(batch_op.f('ix_analysis_action_items_analysis_id'))

    op.drop_table('analysis_action_items')
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analyses_status'))
        batch_op.drop_index(batch_op.f('ix_analyses_handling_org_id'))

    op.drop_table('analyses')
