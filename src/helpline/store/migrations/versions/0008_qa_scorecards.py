"""quality analytics: scorecard templates (name, version, digest, TOML body), scorecards
(contact, operator, template version, automatic values, scores), overrides (value,
comment, author, time; newest per item wins) and the monthly sample draws

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'qa_scorecard_templates',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', 'version', name='uq_qa_scorecard_templates_version'),
    )
    op.create_table(
        'qa_scorecards',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('contact_ref', sa.String(200), nullable=False),
        sa.Column('agent_id', sa.String(64), nullable=True),
        sa.Column('contact_started_at', When, nullable=False),
        sa.Column('template_name', sa.String(100), nullable=False),
        sa.Column('template_version', sa.Integer(), nullable=False),
        sa.Column('auto', sa.JSON(), nullable=False),
        sa.Column('auto_score', sa.Float(), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('scored_at', When, nullable=False),
        sa.Column('updated_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contact_ref', 'template_name', 'template_version',
                            name='uq_qa_scorecards_contact_template'),
    )
    op.create_index('ix_qa_scorecards_agent_started', 'qa_scorecards',
                    ['agent_id', 'contact_started_at'])
    op.create_index('ix_qa_scorecards_started', 'qa_scorecards', ['contact_started_at'])
    op.create_table(
        'qa_scorecard_overrides',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('scorecard_id', BigId, nullable=False),
        sa.Column('item_id', sa.String(64), nullable=False),
        sa.Column('value', sa.String(16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('author_id', sa.String(64), nullable=False),
        sa.Column('author_role', sa.String(16), nullable=False),
        sa.Column('at', When, nullable=False),
        sa.ForeignKeyConstraint(['scorecard_id'], ['qa_scorecards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_qa_scorecard_overrides_card_item', 'qa_scorecard_overrides',
                    ['scorecard_id', 'item_id'])
    op.create_table(
        'qa_sample_draws',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('plan_name', sa.String(64), nullable=False),
        sa.Column('plan_version', sa.Integer(), nullable=False),
        sa.Column('first_half', sa.Integer(), nullable=False),
        sa.Column('second_half', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.String(64), nullable=False),
        sa.Column('half', sa.Integer(), nullable=False),
        sa.Column('requested', sa.Integer(), nullable=False),
        sa.Column('available', sa.Integer(), nullable=False),
        sa.Column('seed', sa.String(64), nullable=False),
        sa.Column('contacts', sa.JSON(), nullable=False),
        sa.Column('drawn_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month', 'plan_name', 'plan_version', 'first_half', 'second_half',
                            'agent_id', 'half', name='uq_qa_sample_draws_half'),
    )


def downgrade() -> None:
    op.drop_table('qa_sample_draws')
    op.drop_index('ix_qa_scorecard_overrides_card_item', table_name='qa_scorecard_overrides')
    op.drop_table('qa_scorecard_overrides')
    op.drop_index('ix_qa_scorecards_started', table_name='qa_scorecards')
    op.drop_index('ix_qa_scorecards_agent_started', table_name='qa_scorecards')
    op.drop_table('qa_scorecards')
    op.drop_table('qa_scorecard_templates')
