"""Block storage: volumes, snapshots, volume types with their access list, quotas.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_type',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('extra_specs', sa.JSON(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_type')),
        sa.UniqueConstraint('name', name=op.f('uq_volume_type_name')))
    op.create_table(
        'volume_type_access',
        sa.Column('type_id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(['type_id'], ['volume_type.id'], ondelete='CASCADE',
                                name=op.f('fk_volume_type_access_type_id_volume_type')),
        sa.PrimaryKeyConstraint('type_id', 'project_id', name=op.f('pk_volume_type_access')))
    op.create_table(
        'volume_volume',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('availability_zone', sa.String(255), nullable=False),
        sa.Column('type_id', sa.String(36), nullable=False),
        sa.Column('snapshot_id', sa.String(36), nullable=True),
        sa.Column('source_volid', sa.String(36), nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('fault', sa.Text(), nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_volume')))
    op.create_index(op.f('ix_volume_volume_project_id'), 'volume_volume', ['project_id'])
    op.create_table(
        'volume_snapshot',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('volume_id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('fault', sa.Text(), nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_snapshot')))
    op.create_index(op.f('ix_volume_snapshot_volume_id'), 'volume_snapshot', ['volume_id'])
    op.create_index(op.f('ix_volume_snapshot_project_id'), 'volume_snapshot', ['project_id'])
    op.create_table(
        'volume_quota',
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('project_id', 'resource', name=op.f('pk_volume_quota')))


def downgrade() -> None:
    op.drop_table('volume_quota')
    op.drop_index(op.f('ix_volume_snapshot_project_id'), 'volume_snapshot')
    op.drop_index(op.f('ix_volume_snapshot_volume_id'), 'volume_snapshot')
    op.drop_table('volume_snapshot')
    op.drop_index(op.f('ix_volume_volume_project_id'), 'volume_volume')
    op.drop_table('volume_volume')
    op.drop_table('volume_type_access')
    op.drop_table('volume_type')
