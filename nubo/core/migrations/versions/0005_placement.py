"""placement: resource providers, inventories, allocations, traits, aggregates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:13:29.639701
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('placement_consumer',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('consumer_type', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_consumer')),
    sa.UniqueConstraint('uuid', name=op.f('uq_placement_consumer_uuid'))
    )
    with op.batch_alter_table('placement_consumer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_consumer_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_consumer_user_id'), ['user_id'], unique=False)

    op.create_table('placement_provider',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('root_provider_id', sa.Integer(), nullable=True),
    sa.Column('parent_provider_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['parent_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_provider_parent_provider_id_placement_provider')),
    sa.ForeignKeyConstraint(['root_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_provider_root_provider_id_placement_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_provider')),
    sa.UniqueConstraint('name', name=op.f('uq_placement_provider_name')),
    sa.UniqueConstraint('uuid', name=op.f('uq_placement_provider_uuid'))
    )
    with op.batch_alter_table('placement_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_provider_parent_provider_id'), ['parent_provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_provider_root_provider_id'), ['root_provider_id'], unique=False)

    op.create_table('placement_resource_class',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_placement_resource_class'))
    )
    op.create_table('placement_trait',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_placement_trait'))
    )
    op.create_table('placement_allocation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('resource_provider_id', sa.Integer(), nullable=False),
    sa.Column('consumer_id', sa.String(length=36), nullable=False),
    sa.Column('resource_class', sa.String(length=255), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['resource_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_allocation_resource_provider_id_placement_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_allocation'))
    )
    with op.batch_alter_table('placement_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_allocation_consumer_id'), ['consumer_id'], unique=False)
        batch_op.create_index('ix_placement_allocation_provider_class', ['resource_provider_id', 'resource_class'], unique=False)

    op.create_table('placement_inventory',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('resource_provider_id', sa.Integer(), nullable=False),
    sa.Column('resource_class', sa.String(length=255), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('min_unit', sa.Integer(), nullable=False),
    sa.Column('max_unit', sa.Integer(), nullable=False),
    sa.Column('step_size', sa.Integer(), nullable=False),
    sa.Column('allocation_ratio', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['resource_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_inventory_resource_provider_id_placement_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_inventory')),
    sa.UniqueConstraint('resource_provider_id', 'resource_class', name='uq_placement_inventory_provider_class')
    )
    with op.batch_alter_table('placement_inventory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_inventory_resource_class'), ['resource_class'], unique=False)

    op.create_table('placement_provider_aggregate',
    sa.Column('resource_provider_id', sa.Integer(), nullable=False),
    sa.Column('aggregate_uuid', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['resource_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_provider_aggregate_resource_provider_id_placement_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_provider_id', 'aggregate_uuid', name=op.f('pk_placement_provider_aggregate'))
    )
    with op.batch_alter_table('placement_provider_aggregate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_provider_aggregate_aggregate_uuid'), ['aggregate_uuid'], unique=False)

    op.create_table('placement_provider_trait',
    sa.Column('resource_provider_id', sa.Integer(), nullable=False),
    sa.Column('trait', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['resource_provider_id'], ['placement_provider.id'], name=op.f('fk_placement_provider_trait_resource_provider_id_placement_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_provider_id', 'trait', name=op.f('pk_placement_provider_trait'))
    )
    with op.batch_alter_table('placement_provider_trait', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_provider_trait_trait'), ['trait'], unique=False)


def downgrade() -> None:
    # Only drop tables, children first: MariaDB refuses to drop an index a foreign key needs.
    for table in ('placement_provider_trait', 'placement_provider_aggregate',
                  'placement_inventory', 'placement_allocation', 'placement_trait',
                  'placement_resource_class', 'placement_provider', 'placement_consumer'):
        op.drop_table(table)
