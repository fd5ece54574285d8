"""Identity: domain configuration options (Keystone's /v3/domains/{id}/config).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'identity_domain_config',
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('group', sa.String(255), nullable=False),
        sa.Column('option', sa.String(255), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('sensitive', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'],
                                name=op.f('fk_identity_domain_config_domain_id_identity_domain'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('domain_id', 'group', 'option',
                                name=op.f('pk_identity_domain_config')))


def downgrade() -> None:
    op.drop_table('identity_domain_config')
