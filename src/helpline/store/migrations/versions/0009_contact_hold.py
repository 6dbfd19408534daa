"""contact hold: ``contacts.held_since``, when the assigned agent put the active contact on
hold (NULL when it is not held); the hold intervals themselves are the contact_held /
contact_resumed events of the log

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contacts', sa.Column('held_since', sa.DateTime(timezone=True),
                                        nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('held_since')
