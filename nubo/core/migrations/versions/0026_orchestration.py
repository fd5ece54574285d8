"""Orchestration: stacks, their resources and events.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'orchestration_stack',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('owner', sa.JSON(), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=False),
        sa.Column('template', sa.JSON(), nullable=False),
        sa.Column('environment', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('new_template', sa.JSON(), nullable=True),
        sa.Column('disable_rollback', sa.Boolean(), nullable=False),
        sa.Column('timeout_mins', sa.Integer(), nullable=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('action_started_at', Timestamp, nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.Column('deleted_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_stack')))
    op.create_index(op.f('ix_orchestration_stack_name'), 'orchestration_stack', ['name'])
    op.create_index(op.f('ix_orchestration_stack_project_id'), 'orchestration_stack',
                    ['project_id'])
    op.create_table(
        'orchestration_resource',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('stack_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('type', sa.String(255), nullable=False),
        sa.Column('physical_id', sa.String(255), nullable=True),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=False),
        sa.Column('properties', sa.JSON(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('required_by', sa.JSON(), nullable=False),
        sa.Column('replaced', sa.Boolean(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_resource')))
    op.create_index(op.f('ix_orchestration_resource_stack_id'), 'orchestration_resource',
                    ['stack_id'])
    op.create_table(
        'orchestration_event',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('stack_id', sa.String(36), nullable=False),
        sa.Column('resource_name', sa.String(255), nullable=False),
        sa.Column('physical_resource_id', sa.String(255), nullable=True),
        sa.Column('resource_type', sa.String(255), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_orchestration_event')),
        sa.UniqueConstraint('id', name=op.f('uq_orchestration_event_id')))
    op.create_index(op.f('ix_orchestration_event_stack_id'), 'orchestration_event',
                    ['stack_id'])


def downgrade() -> None:
    op.drop_table('orchestration_event')
    op.drop_table('orchestration_resource')
    op.drop_table('orchestration_stack')
