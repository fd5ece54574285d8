"""image metadefs: Glance's metadata definitions catalog

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 05:02:54.676207
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metadef_namespace',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('namespace', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('visibility', sa.String(length=32), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metadef_namespace')),
    sa.UniqueConstraint('namespace', name=op.f('uq_metadef_namespace_namespace'))
    )
    with op.batch_alter_table('metadef_namespace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metadef_namespace_owner'), ['owner'], unique=False)

    op.create_table('metadef_resource_type',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metadef_resource_type')),
    sa.UniqueConstraint('name', name=op.f('uq_metadef_resource_type_name'))
    )
    op.create_table('metadef_namespace_resource_type',
    sa.Column('namespace_id', sa.Integer(), nullable=False),
    sa.Column('resource_type_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=80), nullable=True),
    sa.Column('properties_target', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['namespace_id'], ['metadef_namespace.id'], name=op.f('fk_metadef_namespace_resource_type_namespace_id_metadef_namespace'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_type_id'], ['metadef_resource_type.id'], name=op.f('fk_metadef_namespace_resource_type_resource_type_id_metadef_resource_type')),
    sa.PrimaryKeyConstraint('namespace_id', 'resource_type_id', name=op.f('pk_metadef_namespace_resource_type'))
    )
    with op.batch_alter_table('metadef_namespace_resource_type', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metadef_namespace_resource_type_resource_type_id'), ['resource_type_id'], unique=False)

    op.create_table('metadef_object',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('namespace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('required', sa.JSON(), nullable=True),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['namespace_id'], ['metadef_namespace.id'], name=op.f('fk_metadef_object_namespace_id_metadef_namespace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metadef_object')),
    sa.UniqueConstraint('namespace_id', 'name', name='uq_metadef_object_namespace_id_name')
    )
    op.create_table('metadef_property',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('namespace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['namespace_id'], ['metadef_namespace.id'], name=op.f('fk_metadef_property_namespace_id_metadef_namespace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metadef_property')),
    sa.UniqueConstraint('namespace_id', 'name', name='uq_metadef_property_namespace_id_name')
    )
    op.create_table('metadef_tag',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('namespace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['namespace_id'], ['metadef_namespace.id'], name=op.f('fk_metadef_tag_namespace_id_metadef_namespace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metadef_tag')),
    sa.UniqueConstraint('namespace_id', 'name', name='uq_metadef_tag_namespace_id_name')
    )


def downgrade() -> None:
    # Whole tables, children first (MariaDB refuses to drop an index a foreign key needs).
    op.drop_table('metadef_tag')
    op.drop_table('metadef_property')
    op.drop_table('metadef_object')
    op.drop_table('metadef_namespace_resource_type')
    op.drop_table('metadef_resource_type')
    op.drop_table('metadef_namespace')
