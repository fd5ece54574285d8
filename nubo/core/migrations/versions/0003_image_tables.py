"""image tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 04:52:09.032326
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('image',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('os_hidden', sa.Boolean(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('disk_format', sa.String(length=20), nullable=True),
    sa.Column('container_format', sa.String(length=20), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('virtual_size', sa.BigInteger(), nullable=True),
    sa.Column('checksum', sa.String(length=32), nullable=True),
    sa.Column('os_hash_algo', sa.String(length=64), nullable=True),
    sa.Column('os_hash_value', sa.String(length=128), nullable=True),
    sa.Column('min_disk', sa.Integer(), nullable=False),
    sa.Column('min_ram', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('location', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_image'))
    )
    with op.batch_alter_table('image', schema=None) as batch_op:
        batch_op.create_index('ix_image_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_image_name'), ['name'], unique=False)
        batch_op.create_index('ix_image_owner_visibility', ['owner', 'visibility'], unique=False)
        batch_op.create_index(batch_op.f('ix_image_status'), ['status'], unique=False)

    op.create_table('image_member',
    sa.Column('image_id', sa.String(length=36), nullable=False),
    sa.Column('member', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['image.id'], name=op.f('fk_image_member_image_id_image'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('image_id', 'member', name=op.f('pk_image_member'))
    )
    with op.batch_alter_table('image_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_image_member_member'), ['member'], unique=False)

    op.create_table('image_property',
    sa.Column('image_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['image.id'], name=op.f('fk_image_property_image_id_image'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('image_id', 'name', name=op.f('pk_image_property'))
    )
    op.create_table('image_tag',
    sa.Column('image_id', sa.String(length=36), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['image.id'], name=op.f('fk_image_tag_image_id_image'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('image_id', 'value', name=op.f('pk_image_tag'))
    )


def downgrade() -> None:
    op.drop_table('image_tag')
    op.drop_table('image_property')
    op.drop_table('image_member')
    op.drop_table('image')
