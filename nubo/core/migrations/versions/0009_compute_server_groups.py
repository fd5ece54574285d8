"""compute server groups

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'compute_server_group',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('policy', sa.String(length=32), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_server_group')))
    with op.batch_alter_table('compute_server_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_server_group_project_id'),
                              ['project_id'], unique=False)
    op.create_table(
        'compute_server_group_member',
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['compute_server_group.id'],
                                name=op.f('fk_compute_server_group_member_group_id_compute_'
                                          'server_group'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('group_id', 'instance_id',
                                name=op.f('pk_compute_server_group_member')))
    with op.batch_alter_table('compute_server_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_server_group_member_instance_id'),
                              ['instance_id'], unique=False)


def downgrade() -> None:
    op.drop_table('compute_server_group_member')
    op.drop_table('compute_server_group')
