"""workforce management: stored schedules, their shifts, an attached forecast, and swap /
time-off requests

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'wfm_schedules',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('interval_minutes', sa.Integer(), nullable=False),
        sa.Column('timezone', sa.String(64), nullable=False),
        sa.Column('requirement', sa.JSON(), nullable=False),
        sa.Column('contracts', sa.JSON(), nullable=False),
        sa.Column('operators', sa.JSON(), nullable=False),
        sa.Column('weights', sa.JSON(), nullable=False),
        sa.Column('stats', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('created_by', sa.String(36), nullable=True),
        sa.Column('created_at', When, nullable=False),
        sa.Column('published_by', sa.String(36), nullable=True),
        sa.Column('published_at', When, nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_wfm_schedules_status_start', 'wfm_schedules', ['status', 'start_date'])
    op.create_table(
        'wfm_shifts',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('schedule_id', BigId, nullable=False),
        sa.Column('agent_id', sa.String(36), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('start_at', When, nullable=False),
        sa.Column('end_at', When, nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('breaks', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['schedule_id'], ['wfm_schedules.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('schedule_id', 'agent_id', 'day', name='uq_wfm_shifts_agent_day'),
    )
    op.create_index('ix_wfm_shifts_agent_start', 'wfm_shifts', ['agent_id', 'start_at'])
    op.create_index('ix_wfm_shifts_schedule_day', 'wfm_shifts', ['schedule_id', 'day'])
    op.create_table(
        'wfm_forecast_points',
        sa.Column('schedule_id', BigId, nullable=False),
        sa.Column('interval_start', When, nullable=False),
        sa.Column('forecast', sa.Float(), nullable=False),
        sa.Column('lo', sa.Float(), nullable=False),
        sa.Column('hi', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['schedule_id'], ['wfm_schedules.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('schedule_id', 'interval_start'),
    )
    op.create_table(
        'wfm_requests',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('client_request_id', sa.String(120), nullable=False),
        sa.Column('schedule_id', BigId, nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('author_id', sa.String(36), nullable=False),
        sa.Column('days', sa.JSON(), nullable=False),
        sa.Column('peer_id', sa.String(36), nullable=True),
        sa.Column('return_day', sa.Date(), nullable=True),
        sa.Column('peer_consent', sa.Boolean(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('effect', sa.JSON(), nullable=False),
        sa.Column('decided_by', sa.String(36), nullable=True),
        sa.Column('decided_at', When, nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.Column('updated_at', When, nullable=False),
        sa.ForeignKeyConstraint(['schedule_id'], ['wfm_schedules.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['agents.id']),
        sa.ForeignKeyConstraint(['peer_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('author_id', 'client_request_id', name='uq_wfm_requests_client_id'),
    )
    op.create_index('ix_wfm_requests_state', 'wfm_requests', ['state', 'created_at'])
    op.create_index('ix_wfm_requests_schedule', 'wfm_requests', ['schedule_id', 'state'])
    op.create_index('ix_wfm_requests_peer', 'wfm_requests', ['peer_id', 'state'])


def downgrade() -> None:
    op.drop_index('ix_wfm_requests_peer', table_name='wfm_requests')
    op.drop_index('ix_wfm_requests_schedule', table_name='wfm_requests')
    op.drop_index('ix_wfm_requests_state', table_name='wfm_requests')
    op.drop_table('wfm_requests')
    op.drop_table('wfm_forecast_points')
    op.drop_index('ix_wfm_shifts_schedule_day', table_name='wfm_shifts')
    op.drop_index('ix_wfm_shifts_agent_start', table_name='wfm_shifts')
    op.drop_table('wfm_shifts')
    op.drop_index('ix_wfm_schedules_status_start', table_name='wfm_schedules')
    op.drop_table('wfm_schedules')
