"""compute aggregates (os-aggregates) and service records (os-services ids)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 05:54:49.508419
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_aggregate',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_aggregate')),
    sa.UniqueConstraint('name', name=op.f('uq_compute_aggregate_name')),
    sa.UniqueConstraint('uuid', name=op.f('uq_compute_aggregate_uuid'))
    )
    op.create_table('compute_service',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('binary', sa.String(length=64), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('forced_down', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_service')),
    sa.UniqueConstraint('host', 'binary', name=op.f('uq_compute_service_host'))
    )
    op.create_table('compute_aggregate_host',
    sa.Column('aggregate_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['aggregate_id'], ['compute_aggregate.id'], name=op.f('fk_compute_aggregate_host_aggregate_id_compute_aggregate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aggregate_id', 'host', name=op.f('pk_compute_aggregate_host'))
    )
    with op.batch_alter_table('compute_aggregate_host', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_aggregate_host_host'), ['host'], unique=False)

    op.create_table('compute_aggregate_metadata',
    sa.Column('aggregate_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['aggregate_id'], ['compute_aggregate.id'], name=op.f('fk_compute_aggregate_metadata_aggregate_id_compute_aggregate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aggregate_id', 'key', name=op.f('pk_compute_aggregate_metadata'))
    )


def downgrade() -> None:
    op.drop_table('compute_aggregate_metadata')
    op.drop_table('compute_aggregate_host')
    op.drop_table('compute_service')
    op.drop_table('compute_aggregate')
