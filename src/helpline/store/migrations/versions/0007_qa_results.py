"""quality analytics: stored analyses (one per contact: recording, channel map, engine,
role, agent, timeline JSON) and their findings (rule, kind, source, passed, times,
message, evidence JSON)

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'qa_analyses',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('contact_ref', sa.String(200), nullable=False),
        sa.Column('transcript_id', BigId, nullable=True),
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('recording_path', sa.String(1000), nullable=True),
        sa.Column('recording_name', sa.String(255), nullable=True),
        sa.Column('transcript_source', sa.String(1000), nullable=True),
        sa.Column('duration_seconds', sa.Float(), nullable=False),
        sa.Column('channels', sa.JSON(), nullable=False),
        sa.Column('engine', sa.String(16), nullable=True),
        sa.Column('role', sa.String(32), nullable=False),
        sa.Column('agent_id', sa.String(64), nullable=True),
        sa.Column('queue_id', sa.String(64), nullable=True),
        sa.Column('started_at', When, nullable=False),
        sa.Column('analysed_at', When, nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('failed_count', sa.Integer(), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('timeline', sa.JSON(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['transcript_id'], ['qa_transcripts.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contact_ref'),
    )
    op.create_index('ix_qa_analyses_started', 'qa_analyses', ['started_at'])
    op.create_index('ix_qa_analyses_agent_started', 'qa_analyses', ['agent_id', 'started_at'])
    op.create_table(
        'qa_findings',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('analysis_id', BigId, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(64), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('source', sa.String(16), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('applicable', sa.Boolean(), nullable=False),
        sa.Column('start_seconds', sa.Float(), nullable=True),
        sa.Column('end_seconds', sa.Float(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('measured', sa.Float(), nullable=True),
        sa.Column('limit_value', sa.Float(), nullable=True),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['analysis_id'], ['qa_analyses.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('analysis_id', 'seq', name='uq_qa_findings_seq'),
    )
    op.create_index('ix_qa_findings_rule_passed', 'qa_findings', ['rule', 'passed'])


def downgrade() -> None:
    op.drop_index('ix_qa_findings_rule_passed', table_name='qa_findings')
    op.drop_table('qa_findings')
    op.drop_index('ix_qa_analyses_agent_started', table_name='qa_analyses')
    op.drop_index('ix_qa_analyses_started', table_name='qa_analyses')
    op.drop_table('qa_analyses')
