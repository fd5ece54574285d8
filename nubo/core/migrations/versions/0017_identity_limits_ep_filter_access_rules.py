"""identity: unified limits, OS-EP-FILTER project associations, app credential access rules

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ID = sa.String(length=64)
# Foreign keys whose conventional name would pass MariaDB's 64 characters are named short.


def upgrade() -> None:
    op.create_table(
        'identity_access_rule',
        sa.Column('id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('service', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=255), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'],
                                name=op.f('fk_identity_access_rule_user_id_identity_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_access_rule')),
        sa.UniqueConstraint('user_id', 'service', 'path', 'method',
                            name=op.f('uq_identity_access_rule_user_id')))
    op.create_index(op.f('ix_identity_access_rule_user_id'), 'identity_access_rule',
                    ['user_id'])
    op.create_table(
        'identity_app_cred_access_rule',
        sa.Column('application_credential_id', ID, nullable=False),
        sa.Column('access_rule_id', ID, nullable=False),
        sa.ForeignKeyConstraint(
            ['application_credential_id'], ['identity_application_credential.id'],
            name='fk_identity_app_cred_access_rule_app_cred', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['access_rule_id'], ['identity_access_rule.id'],
            name='fk_identity_app_cred_access_rule_rule'),
        sa.PrimaryKeyConstraint('application_credential_id', 'access_rule_id',
                                name=op.f('pk_identity_app_cred_access_rule')))
    op.create_index(op.f('ix_identity_app_cred_access_rule_access_rule_id'),
                    'identity_app_cred_access_rule', ['access_rule_id'])
    op.create_table(
        'identity_project_endpoint',
        sa.Column('endpoint_id', ID, nullable=False),
        sa.Column('project_id', ID, nullable=False),
        sa.PrimaryKeyConstraint('endpoint_id', 'project_id',
                                name=op.f('pk_identity_project_endpoint')))
    op.create_index(op.f('ix_identity_project_endpoint_project_id'),
                    'identity_project_endpoint', ['project_id'])
    op.create_table(
        'identity_project_endpoint_group',
        sa.Column('endpoint_group_id', ID, nullable=False),
        sa.Column('project_id', ID, nullable=False),
        sa.ForeignKeyConstraint(
            ['endpoint_group_id'], ['identity_endpoint_group.id'],
            name='fk_identity_project_endpoint_group_group', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('endpoint_group_id', 'project_id',
                                name=op.f('pk_identity_project_endpoint_group')))
    op.create_index(op.f('ix_identity_project_endpoint_group_project_id'),
                    'identity_project_endpoint_group', ['project_id'])
    op.create_table(
        'identity_registered_limit',
        sa.Column('id', ID, nullable=False),
        sa.Column('service_id', ID, nullable=False),
        sa.Column('region_id', sa.String(length=255), nullable=True),
        sa.Column('resource_name', sa.String(length=255), nullable=False),
        sa.Column('default_limit', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_registered_limit')))
    op.create_index(op.f('ix_identity_registered_limit_service_id'),
                    'identity_registered_limit', ['service_id'])
    op.create_table(
        'identity_limit',
        sa.Column('id', ID, nullable=False),
        sa.Column('project_id', ID, nullable=True),
        sa.Column('domain_id', ID, nullable=True),
        sa.Column('registered_limit_id', ID, nullable=False),
        sa.Column('service_id', ID, nullable=False),
        sa.Column('region_id', sa.String(length=255), nullable=True),
        sa.Column('resource_name', sa.String(length=255), nullable=False),
        sa.Column('resource_limit', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['registered_limit_id'], ['identity_registered_limit.id'],
            name=op.f('fk_identity_limit_registered_limit_id_identity_registered_limit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_limit')))
    for col in ('project_id', 'domain_id', 'registered_limit_id', 'service_id'):
        op.create_index(op.f(f'ix_identity_limit_{col}'), 'identity_limit', [col])


def downgrade() -> None:
    for t in ('identity_limit', 'identity_registered_limit', 'identity_project_endpoint_group',
              'identity_project_endpoint', 'identity_app_cred_access_rule',
              'identity_access_rule'):
        op.drop_table(t)
