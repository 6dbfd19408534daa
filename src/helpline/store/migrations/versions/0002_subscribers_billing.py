"""subscribers and billing: tariffs, customers, contracts, lines, package buckets,
ledger entries, renewal receipts, self-service request results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:02:42.214557
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=32), nullable=False),
    sa.Column('document_masked', sa.String(length=64), nullable=False),
    sa.Column('document_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_document_hash', ['document_hash'], unique=False)

    op.create_table('self_service_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('operation', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'idempotency_key', name='uq_self_service_channel_key')
    )
    with op.batch_alter_table('self_service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_self_service_msisdn', ['msisdn', 'id'], unique=False)

    op.create_table('tariffs',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('monthly_fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('daily_fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('included_minutes', sa.BigInteger(), nullable=False),
    sa.Column('included_sms', sa.BigInteger(), nullable=False),
    sa.Column('included_mb', sa.BigInteger(), nullable=False),
    sa.Column('minute_rate_minor', sa.BigInteger(), nullable=False),
    sa.Column('sms_rate_minor', sa.BigInteger(), nullable=False),
    sa.Column('mb_rate_minor', sa.BigInteger(), nullable=False),
    sa.Column('renew_package_available', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('contracts',
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('termination_requested_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('ix_contracts_customer', ['customer_id'], unique=False)

    op.create_table('lines',
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('contract_number', sa.String(length=64), nullable=True),
    sa.Column('tariff_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('block_reason', sa.String(length=200), nullable=True),
    sa.Column('billing_mode', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('next_charge_date', sa.Date(), nullable=False),
    sa.Column('anchor_day', sa.Integer(), nullable=False),
    sa.Column('discount_percent', sa.Integer(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('unpaid_since', sa.Date(), nullable=True),
    sa.Column('last_renewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('money_minor', sa.BigInteger(), nullable=False),
    sa.Column('puk_code', sa.String(length=16), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('money_minor >= 0', name='ck_lines_money_not_negative'),
    sa.ForeignKeyConstraint(['contract_number'], ['contracts.number'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['tariff_code'], ['tariffs.code'], ),
    sa.PrimaryKeyConstraint('msisdn')
    )
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.create_index('ix_lines_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_lines_next_charge', ['next_charge_date'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['msisdn'], ['lines.msisdn'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('msisdn', 'idempotency_key', name='uq_ledger_msisdn_key')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_msisdn_id', ['msisdn', 'id'], unique=False)

    op.create_table('package_buckets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['msisdn'], ['lines.msisdn'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('package_buckets', schema=None) as batch_op:
        batch_op.create_index('ix_package_buckets_msisdn', ['msisdn', 'position'], unique=False)

    op.create_table('renewal_receipts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('msisdn', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('tariff_code', sa.String(length=64), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('next_charge_date', sa.Date(), nullable=False),
    sa.Column('carried_over', sa.JSON(), nullable=False),
    sa.Column('expired_carried_over', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['msisdn'], ['lines.msisdn'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('msisdn', 'idempotency_key', name='uq_receipts_msisdn_key')
    )


def downgrade() -> None:
    op.drop_table('renewal_receipts')
    with op.batch_alter_table('package_buckets', schema=None) as batch_op:
        batch_op.drop_index('ix_package_buckets_msisdn')

    op.drop_table('package_buckets')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_msisdn_id')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.drop_index('ix_lines_next_charge')
        batch_op.drop_index('ix_lines_customer')

    op.drop_table('lines')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_customer')

    op.drop_table('contracts')
    op.drop_table('tariffs')
    with op.batch_alter_table('self_service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_self_service_msisdn')

    op.drop_table('self_service_requests')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_document_hash')

    op.drop_table('customers')
