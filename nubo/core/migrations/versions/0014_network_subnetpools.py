"""Network (Neutron v2.0): subnet pools, their prefixes, and the subnet's pool.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'subnetpool',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.Column('default_prefixlen', sa.Integer(), nullable=False),
        sa.Column('min_prefixlen', sa.Integer(), nullable=False),
        sa.Column('max_prefixlen', sa.Integer(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('default_quota', sa.Integer(), nullable=True),
        sa.Column('hash', sa.String(36), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subnetpool')))
    op.create_index(op.f('ix_subnetpool_project_id'), 'subnetpool', ['project_id'])
    op.create_table(
        'subnetpool_prefix',
        sa.Column('subnetpool_id', sa.String(36), nullable=False),
        sa.Column('cidr', sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(['subnetpool_id'], ['subnetpool.id'],
                                name=op.f('fk_subnetpool_prefix_subnetpool_id_subnetpool'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subnetpool_id', 'cidr', name=op.f('pk_subnetpool_prefix')))
    with op.batch_alter_table('subnet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subnetpool_id', sa.String(36), nullable=True))
        batch_op.create_index(batch_op.f('ix_subnet_subnetpool_id'), ['subnetpool_id'])


def downgrade() -> None:
    with op.batch_alter_table('subnet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subnet_subnetpool_id'))
        batch_op.drop_column('subnetpool_id')
    op.drop_table('subnetpool_prefix')
    op.drop_table('subnetpool')
