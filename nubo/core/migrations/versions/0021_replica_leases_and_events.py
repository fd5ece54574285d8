"""Controller replicas: leases on periodic jobs, and external events any replica can take.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nubo_lease',
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('holder', sa.String(255), nullable=False),
        sa.Column('acquired_at', Timestamp, nullable=False),
        sa.Column('expires_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_nubo_lease')))
    op.create_table(
        'compute_external_event',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('instance_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('tag', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_external_event')))
    op.create_index('ix_compute_external_event_key', 'compute_external_event',
                    ['instance_id', 'name', 'tag'])
    op.create_index('ix_compute_external_event_created_at', 'compute_external_event',
                    ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_compute_external_event_created_at', 'compute_external_event')
    op.drop_index('ix_compute_external_event_key', 'compute_external_event')
    op.drop_table('compute_external_event')
    op.drop_table('nubo_lease')
