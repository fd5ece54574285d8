"""Compute: server group rules (2.64 `rules`, e.g. max_server_per_host).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compute_server_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('compute_server_group', schema=None) as batch_op:
        batch_op.drop_column('rules')
