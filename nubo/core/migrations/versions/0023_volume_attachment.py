"""Block storage: volume attachments (the one record of a volume attached to a server).

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_attachment',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('volume_id', sa.String(36), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=True),
        sa.Column('attached_host', sa.String(255), nullable=True),
        sa.Column('mountpoint', sa.String(255), nullable=True),
        sa.Column('attach_status', sa.String(32), nullable=False),
        sa.Column('attach_mode', sa.String(8), nullable=False),
        sa.Column('connector', sa.JSON(), nullable=True),
        sa.Column('connection_info', sa.JSON(), nullable=True),
        sa.Column('tag', sa.String(60), nullable=True),
        sa.Column('delete_on_termination', sa.Boolean(), nullable=False),
        sa.Column('attached_at', Timestamp, nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_attachment')))
    op.create_index(op.f('ix_volume_attachment_volume_id'), 'volume_attachment',
                    ['volume_id'])
    op.create_index(op.f('ix_volume_attachment_instance_uuid'), 'volume_attachment',
                    ['instance_uuid'])


def downgrade() -> None:
    op.drop_table('volume_attachment')
