"""Image: Glance's tasks (the import tasks behind GET /v2/tasks and an image's tasks).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'image_task',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('owner', sa.String(64), nullable=True),
        sa.Column('image_id', sa.String(36), nullable=True),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('input', sa.JSON(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('expires_at', Timestamp, nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_image_task')))
    for col in ('status', 'owner', 'image_id'):
        op.create_index(op.f(f'ix_image_task_{col}'), 'image_task', [col])


def downgrade() -> None:
    op.drop_table('image_task')
