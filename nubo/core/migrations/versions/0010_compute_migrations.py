"""Compute: migration records (os-migrations) and what server actions keep.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'compute_migration',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('instance_uuid', sa.String(length=36), nullable=False),
        sa.Column('migration_type', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('source_compute', sa.String(length=255), nullable=True),
        sa.Column('dest_compute', sa.String(length=255), nullable=True),
        sa.Column('old_flavor_id', sa.String(length=255), nullable=True),
        sa.Column('new_flavor_id', sa.String(length=255), nullable=True),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_migration')),
        sa.UniqueConstraint('uuid', name=op.f('uq_compute_migration_uuid')))
    with op.batch_alter_table('compute_migration', schema=None) as batch_op:
        batch_op.create_index('ix_compute_migration_instance', ['instance_uuid'], unique=False)
        batch_op.create_index('ix_compute_migration_status', ['status'], unique=False)
    op.create_table(
        'compute_instance_tag',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('tag', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('instance_id', 'tag', name=op.f('pk_compute_instance_tag')))
    with op.batch_alter_table('compute_instance_tag', schema=None) as batch_op:
        batch_op.create_index('ix_compute_instance_tag_tag', ['tag'], unique=False)
    op.create_table(
        'compute_console_auth_token',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('instance_uuid', sa.String(length=36), nullable=False),
        sa.Column('console_type', sa.String(length=32), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('internal_access_path', sa.String(length=255), nullable=True),
        sa.Column('expires_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_compute_console_auth_token')))
    with op.batch_alter_table('compute_console_auth_token', schema=None) as batch_op:
        batch_op.create_index('ix_compute_console_auth_token_instance', ['instance_uuid'],
                              unique=False)
        batch_op.create_index('ix_compute_console_auth_token_expires', ['expires_at'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('compute_console_auth_token')
    op.drop_table('compute_instance_tag')
    op.drop_table('compute_migration')
