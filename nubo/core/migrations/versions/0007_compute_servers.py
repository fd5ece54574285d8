"""compute servers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 05:18:03.712885
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_host',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('provider_uuid', sa.String(length=36), nullable=False),
    sa.Column('hypervisor_type', sa.String(length=64), nullable=False),
    sa.Column('vcpus', sa.Integer(), nullable=False),
    sa.Column('memory_mb', sa.Integer(), nullable=False),
    sa.Column('local_gb', sa.Integer(), nullable=False),
    sa.Column('availability_zone', sa.String(length=255), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('forced_down', sa.Boolean(), nullable=False),
    sa.Column('last_seen', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_compute_host')),
    sa.UniqueConstraint('provider_uuid', name=op.f('uq_compute_host_provider_uuid'))
    )
    op.create_table('compute_instance',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('flavor', sa.JSON(), nullable=False),
    sa.Column('vcpus', sa.Integer(), nullable=False),
    sa.Column('memory_mb', sa.Integer(), nullable=False),
    sa.Column('image_ref', sa.String(length=36), nullable=True),
    sa.Column('key_name', sa.String(length=255), nullable=True),
    sa.Column('key_data', sa.Text(), nullable=True),
    sa.Column('user_data', sa.Text(), nullable=True),
    sa.Column('config_drive', sa.Boolean(), nullable=False),
    sa.Column('availability_zone', sa.String(length=255), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('vm_state', sa.String(length=32), nullable=False),
    sa.Column('task_state', sa.String(length=64), nullable=True),
    sa.Column('power_state', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('locked_reason', sa.Text(), nullable=True),
    sa.Column('access_ipv4', sa.String(length=39), nullable=True),
    sa.Column('access_ipv6', sa.String(length=39), nullable=True),
    sa.Column('reservation_id', sa.String(length=255), nullable=False),
    sa.Column('launch_index', sa.Integer(), nullable=False),
    sa.Column('security_groups', sa.JSON(), nullable=False),
    sa.Column('request_spec', sa.JSON(), nullable=False),
    sa.Column('fault', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('launched_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('terminated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('task_started_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_instance')),
    sa.UniqueConstraint('seq', name=op.f('uq_compute_instance_seq'))
    )
    with op.batch_alter_table('compute_instance', schema=None) as batch_op:
        batch_op.create_index('ix_compute_instance_host', ['host'], unique=False)
        batch_op.create_index('ix_compute_instance_project_deleted', ['project_id', 'deleted'], unique=False)
        batch_op.create_index('ix_compute_instance_updated_at', ['updated_at'], unique=False)

    op.create_table('compute_instance_action',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('start_time', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('finish_time', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_instance_action'))
    )
    with op.batch_alter_table('compute_instance_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_instance_action_instance_id'), ['instance_id'], unique=False)

    op.create_table('compute_instance_action_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=255), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('start_time', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('finish_time', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('result', sa.String(length=255), nullable=True),
    sa.Column('traceback', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['compute_instance_action.id'], name=op.f('fk_compute_instance_action_event_action_id_compute_instance_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_instance_action_event'))
    )
    with op.batch_alter_table('compute_instance_action_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_instance_action_event_action_id'), ['action_id'], unique=False)

    op.create_table('compute_instance_metadata',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['compute_instance.id'], name=op.f('fk_compute_instance_metadata_instance_id_compute_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', 'key', name=op.f('pk_compute_instance_metadata'))
    )


def downgrade() -> None:
    op.drop_table('compute_instance_metadata')
    op.drop_table('compute_instance_action_event')
    op.drop_table('compute_instance_action')
    op.drop_table('compute_instance')
    op.drop_table('compute_host')
