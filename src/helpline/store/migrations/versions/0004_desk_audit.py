"""the desk's single window: verification per conversation, desk action results,
complaints, one-time-code SMS records, and the append-only audit log

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from helpline.store.desk_tables import (
    POSTGRES_AUDIT_TRIGGERS,
    POSTGRES_DROP_AUDIT_TRIGGERS,
    SQLITE_AUDIT_TRIGGERS,
    SQLITE_DROP_AUDIT_TRIGGERS,
)

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'desk_verifications',
        sa.Column('contact_id', sa.String(36), nullable=False),
        sa.Column('holder_key', sa.String(64), nullable=False),
        sa.Column('obtained', sa.JSON(), nullable=False),
        sa.Column('document_failures', sa.Integer(), nullable=False),
        sa.Column('codes_issued', sa.Integer(), nullable=False),
        sa.Column('code_msisdn', sa.String(16), nullable=True),
        sa.Column('code_hash', sa.String(64), nullable=True),
        sa.Column('code_issued_at', When, nullable=True),
        sa.Column('code_expires_at', When, nullable=True),
        sa.Column('code_attempts_left', sa.Integer(), nullable=False),
        sa.Column('updated_at', When, nullable=False),
        sa.PrimaryKeyConstraint('contact_id', 'holder_key'),
    )
    op.create_table(
        'desk_requests',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('idempotency_key', sa.String(120), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('msisdn', sa.String(16), nullable=False),
        sa.Column('contact_id', sa.String(36), nullable=False),
        sa.Column('user_id', sa.String(36), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('idempotency_key', name='uq_desk_requests_key'),
    )
    op.create_table(
        'complaints',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('queue', sa.String(64), nullable=False),
        sa.Column('category', sa.String(32), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('msisdn', sa.String(16), nullable=False),
        sa.Column('holder_key', sa.String(64), nullable=False),
        sa.Column('contact_id', sa.String(36), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(36), nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.Column('due_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_complaints_queue_due', 'complaints', ['queue', 'status', 'due_at'])
    op.create_table(
        'desk_code_messages',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('msisdn', sa.String(16), nullable=False),
        sa.Column('contact_id', sa.String(36), nullable=False),
        sa.Column('body_masked', sa.Text(), nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('at', When, nullable=False),
        sa.Column('user_id', sa.String(36), nullable=False),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('outcome', sa.String(32), nullable=False),
        sa.Column('msisdn', sa.String(16), nullable=True),
        sa.Column('contact_id', sa.String(36), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('verification_level', sa.String(32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_msisdn_at', 'audit_log', ['msisdn', 'at'])
    op.create_index('ix_audit_user_at', 'audit_log', ['user_id', 'at'])
    op.create_index('ix_audit_at', 'audit_log', ['at'])
    dialect = op.get_bind().dialect.name
    statements = POSTGRES_AUDIT_TRIGGERS if dialect == 'postgresql' else SQLITE_AUDIT_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drops = (POSTGRES_DROP_AUDIT_TRIGGERS if dialect == 'postgresql'
             else SQLITE_DROP_AUDIT_TRIGGERS)
    for statement in drops:
        op.execute(statement)
    op.drop_table('audit_log')
    op.drop_table('desk_code_messages')
    op.drop_index('ix_complaints_queue_due', table_name='complaints')
    op.drop_table('complaints')
    op.drop_table('desk_requests')
    op.drop_table('desk_verifications')
