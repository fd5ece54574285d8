"""Block storage: bootable volumes, their image metadata and admin metadata (read-only).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volume_volume') as batch:
        batch.add_column(sa.Column('bootable', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('image_metadata', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('admin_metadata', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volume_volume') as batch:
        batch.drop_column('admin_metadata')
        batch.drop_column('image_metadata')
        batch.drop_column('bootable')
