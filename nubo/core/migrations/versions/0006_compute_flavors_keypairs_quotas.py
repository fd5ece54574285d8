"""compute: flavors (extra specs, project access), key pairs, quota limits and classes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 05:14:25.822796
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_flavor',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('flavorid', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('memory_mb', sa.Integer(), nullable=False),
    sa.Column('vcpus', sa.Integer(), nullable=False),
    sa.Column('root_gb', sa.Integer(), nullable=False),
    sa.Column('ephemeral_gb', sa.Integer(), nullable=False),
    sa.Column('swap', sa.Integer(), nullable=False),
    sa.Column('rxtx_factor', sa.Float(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_flavor')),
    sa.UniqueConstraint('flavorid', name=op.f('uq_compute_flavor_flavorid')),
    sa.UniqueConstraint('name', name=op.f('uq_compute_flavor_name'))
    )
    op.create_table('compute_keypair',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=255), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_keypair')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_compute_keypair_user_id'))
    )
    with op.batch_alter_table('compute_keypair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_keypair_user_id'), ['user_id'], unique=False)

    op.create_table('compute_quota',
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('hard_limit', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'user_id', 'resource', name=op.f('pk_compute_quota'))
    )
    op.create_table('compute_quota_class',
    sa.Column('class_name', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('hard_limit', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('class_name', 'resource', name=op.f('pk_compute_quota_class'))
    )
    op.create_table('compute_flavor_extra_spec',
    sa.Column('flavor_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['flavor_id'], ['compute_flavor.id'], name=op.f('fk_compute_flavor_extra_spec_flavor_id_compute_flavor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('flavor_id', 'key', name=op.f('pk_compute_flavor_extra_spec'))
    )
    op.create_table('compute_flavor_project',
    sa.Column('flavor_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['flavor_id'], ['compute_flavor.id'], name=op.f('fk_compute_flavor_project_flavor_id_compute_flavor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('flavor_id', 'project_id', name=op.f('pk_compute_flavor_project'))
    )
    with op.batch_alter_table('compute_flavor_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_flavor_project_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('compute_flavor_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_flavor_project_project_id'))

    op.drop_table('compute_flavor_project')
    op.drop_table('compute_flavor_extra_spec')
    op.drop_table('compute_quota_class')
    op.drop_table('compute_quota')
    with op.batch_alter_table('compute_keypair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_keypair_user_id'))

    op.drop_table('compute_keypair')
    op.drop_table('compute_flavor')
