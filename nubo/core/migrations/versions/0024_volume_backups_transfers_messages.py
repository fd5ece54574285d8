"""Block storage: backups, volume transfers, user messages.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_backup',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('volume_id', sa.String(36), nullable=False),
        sa.Column('snapshot_id', sa.String(36), nullable=True),
        sa.Column('parent_id', sa.String(36), nullable=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('container', sa.String(255), nullable=True),
        sa.Column('availability_zone', sa.String(255), nullable=True),
        sa.Column('service', sa.String(255), nullable=False),
        sa.Column('object_count', sa.Integer(), nullable=False),
        sa.Column('fail_reason', sa.Text(), nullable=True),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('volume_metadata', sa.JSON(), nullable=False),
        sa.Column('previous_status', sa.String(32), nullable=True),
        sa.Column('restore_volume_id', sa.String(36), nullable=True),
        sa.Column('data_timestamp', Timestamp, nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_backup')))
    for col in ('project_id', 'volume_id', 'parent_id'):
        op.create_index(op.f(f'ix_volume_backup_{col}'), 'volume_backup', [col])
    op.create_table(
        'volume_transfer',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('volume_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('salt', sa.String(255), nullable=False),
        sa.Column('crypt_hash', sa.String(255), nullable=False),
        sa.Column('source_project_id', sa.String(255), nullable=False),
        sa.Column('no_snapshots', sa.Boolean(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_transfer')))
    for col in ('volume_id', 'source_project_id'):
        op.create_index(op.f(f'ix_volume_transfer_{col}'), 'volume_transfer', [col])
    op.create_table(
        'volume_message',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('request_id', sa.String(255), nullable=False),
        sa.Column('resource_type', sa.String(255), nullable=True),
        sa.Column('resource_uuid', sa.String(36), nullable=True),
        sa.Column('event_id', sa.String(255), nullable=False),
        sa.Column('message_level', sa.String(255), nullable=False),
        sa.Column('action_id', sa.String(10), nullable=False),
        sa.Column('detail_id', sa.String(10), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('expires_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_message')))
    op.create_index(op.f('ix_volume_message_project_id'), 'volume_message', ['project_id'])


def downgrade() -> None:
    op.drop_table('volume_message')
    op.drop_table('volume_transfer')
    op.drop_table('volume_backup')
