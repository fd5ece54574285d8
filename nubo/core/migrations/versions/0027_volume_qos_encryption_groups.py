"""Block storage: QoS specs (associated with volume types), volume type encryption records,
a snapshot's progress; generic volume groups, group types and group snapshots.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_qos_specs',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('consumer', sa.String(16), nullable=False),
        sa.Column('specs', sa.JSON(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_qos_specs')),
        sa.UniqueConstraint('name', name=op.f('uq_volume_qos_specs_name')))
    op.create_table(
        'volume_type_encryption',
        sa.Column('type_id', sa.String(36), nullable=False),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('provider', sa.String(255), nullable=False),
        sa.Column('cipher', sa.String(255), nullable=True),
        sa.Column('key_size', sa.Integer(), nullable=True),
        sa.Column('control_location', sa.String(255), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.ForeignKeyConstraint(['type_id'], ['volume_type.id'], ondelete='CASCADE',
                                name=op.f('fk_volume_type_encryption_type_id_volume_type')),
        sa.PrimaryKeyConstraint('type_id', name=op.f('pk_volume_type_encryption')))
    op.create_table(
        'volume_group_type',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('group_specs', sa.JSON(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_group_type')),
        sa.UniqueConstraint('name', name=op.f('uq_volume_group_type_name')))
    op.create_table(
        'volume_group',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('availability_zone', sa.String(255), nullable=False),
        sa.Column('group_type_id', sa.String(36), nullable=False),
        sa.Column('volume_type_ids', sa.JSON(), nullable=False),
        sa.Column('group_snapshot_id', sa.String(36), nullable=True),
        sa.Column('source_group_id', sa.String(36), nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_group')))
    op.create_index(op.f('ix_volume_group_project_id'), 'volume_group', ['project_id'])
    op.create_table(
        'volume_group_snapshot',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('group_id', sa.String(36), nullable=False),
        sa.Column('group_type_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_group_snapshot')))
    op.create_index(op.f('ix_volume_group_snapshot_group_id'), 'volume_group_snapshot',
                    ['group_id'])
    with op.batch_alter_table('volume_type') as batch:
        batch.add_column(sa.Column('qos_specs_id', sa.String(36), nullable=True))
    with op.batch_alter_table('volume_snapshot') as batch:
        batch.add_column(sa.Column('progress', sa.String(255), nullable=True))
        batch.add_column(sa.Column('group_snapshot_id', sa.String(36), nullable=True))
    with op.batch_alter_table('volume_volume') as batch:
        batch.add_column(sa.Column('group_id', sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volume_volume') as batch:
        batch.drop_column('group_id')
    with op.batch_alter_table('volume_snapshot') as batch:
        batch.drop_column('group_snapshot_id')
        batch.drop_column('progress')
    with op.batch_alter_table('volume_type') as batch:
        batch.drop_column('qos_specs_id')
    op.drop_table('volume_group_snapshot')
    op.drop_table('volume_group')
    op.drop_table('volume_group_type')
    op.drop_table('volume_type_encryption')
    op.drop_table('volume_qos_specs')
