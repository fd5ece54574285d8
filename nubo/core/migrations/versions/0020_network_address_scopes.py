"""Network: address scopes (extension address-scope) and subnet pools' address_scope_id.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'address_scope',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_address_scope')))
    op.create_index(op.f('ix_address_scope_project_id'), 'address_scope', ['project_id'])
    with op.batch_alter_table('subnetpool') as batch:
        batch.add_column(sa.Column('address_scope_id', sa.String(36), nullable=True))
        batch.create_index(op.f('ix_subnetpool_address_scope_id'), ['address_scope_id'])


def downgrade() -> None:
    with op.batch_alter_table('subnetpool') as batch:
        batch.drop_index(op.f('ix_subnetpool_address_scope_id'))
        batch.drop_column('address_scope_id')
    op.drop_index(op.f('ix_address_scope_project_id'), table_name='address_scope')
    op.drop_table('address_scope')
