"""identity: credentials, policies, endpoint groups, OAuth consumers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 04:46:40.187063
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'identity_credential',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=True),
        sa.Column('type', sa.String(length=255), nullable=False),
        sa.Column('encrypted_blob', sa.Text(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'],
                                name=op.f('fk_identity_credential_user_id_identity_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_credential')),
    )
    op.create_index(op.f('ix_identity_credential_project_id'), 'identity_credential',
                    ['project_id'], unique=False)
    op.create_index(op.f('ix_identity_credential_user_id'), 'identity_credential',
                    ['user_id'], unique=False)
    op.create_table(
        'identity_policy',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=255), nullable=False),
        sa.Column('blob', sa.Text(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_policy')),
    )
    op.create_table(
        'identity_endpoint_group',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_endpoint_group')),
    )
    op.create_table(
        'identity_oauth_consumer',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('encrypted_secret', sa.Text(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_oauth_consumer')),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a FK needs).
    op.drop_table('identity_oauth_consumer')
    op.drop_table('identity_endpoint_group')
    op.drop_table('identity_policy')
    op.drop_table('identity_credential')
