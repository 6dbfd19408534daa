"""self-service channels: sms_inbox, sms_outbox, ussd_sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('sms_inbox',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=120), nullable=False),
    sa.Column('from_number', sa.String(length=16), nullable=False),
    sa.Column('to_number', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', name='uq_sms_inbox_message_id')
    )
    op.create_table('sms_outbox',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('to_number', sa.String(length=16), nullable=False),
    sa.Column('from_number', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('in_reply_to', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('in_reply_to', name='uq_sms_outbox_in_reply_to')
    )
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_sms_outbox_status', ['status', 'id'], unique=False)

    op.create_table('ussd_sessions',
    sa.Column('session_id', sa.String(length=120), nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('repeat_warned', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )


def downgrade() -> None:
    op.drop_table('ussd_sessions')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_outbox_status')
    op.drop_table('sms_outbox')
    op.drop_table('sms_inbox')
