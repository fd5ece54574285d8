"""Network: a port's extra DHCP options (extension extra_dhcp_opt), kept with the port.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('port', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_dhcp_opts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('port', schema=None) as batch_op:
        batch_op.drop_column('extra_dhcp_opts')
