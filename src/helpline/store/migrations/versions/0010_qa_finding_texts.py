"""quality analytics: what a finding's texts are rendered from in any language —
``qa_findings.message_key`` (an entry of the message catalogue), ``params`` (the numbers
and words the message quotes, JSON) and ``titles`` (the rule's title per language, JSON);
NULL for findings stored before, which keep their stored English message

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('qa_findings', sa.Column('message_key', sa.String(64), nullable=True))
    op.add_column('qa_findings', sa.Column('params', sa.JSON(), nullable=True))
    op.add_column('qa_findings', sa.Column('titles', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('qa_findings') as batch:
        batch.drop_column('titles')
        batch.drop_column('params')
        batch.drop_column('message_key')
