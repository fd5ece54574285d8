"""identity tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 04:42:40.081732
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_domain',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_domain')),
    sa.UniqueConstraint('name', name=op.f('uq_identity_domain_name'))
    )
    op.create_table('identity_region',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('parent_region_id', sa.String(length=255), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_region'))
    )
    op.create_table('identity_revocation_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('domain_id', sa.String(length=64), nullable=True),
    sa.Column('audit_id', sa.String(length=64), nullable=True),
    sa.Column('application_credential_id', sa.String(length=64), nullable=True),
    sa.Column('issued_before', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('revoked_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_revocation_event'))
    )
    with op.batch_alter_table('identity_revocation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_revocation_event_revoked_at'), ['revoked_at'], unique=False)

    op.create_table('identity_role',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_role')),
    sa.UniqueConstraint('name', 'domain_id', name=op.f('uq_identity_role_name'))
    )
    op.create_table('identity_service',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_service'))
    )
    op.create_table('nubo_meta',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_nubo_meta'))
    )
    op.create_table('identity_assignment',
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('role_id', sa.String(length=64), nullable=False),
    sa.Column('inherited', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['identity_role.id'], name=op.f('fk_identity_assignment_role_id_identity_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('type', 'actor_id', 'target_id', 'role_id', 'inherited', name=op.f('pk_identity_assignment'))
    )
    with op.batch_alter_table('identity_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_identity_assignment_actor', ['actor_id'], unique=False)
        batch_op.create_index('ix_identity_assignment_target', ['target_id'], unique=False)

    op.create_table('identity_endpoint',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('interface', sa.String(length=8), nullable=False),
    sa.Column('region_id', sa.String(length=255), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['identity_service.id'], name=op.f('fk_identity_endpoint_service_id_identity_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_endpoint'))
    )
    with op.batch_alter_table('identity_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_endpoint_service_id'), ['service_id'], unique=False)

    op.create_table('identity_group',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'], name=op.f('fk_identity_group_domain_id_identity_domain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_group')),
    sa.UniqueConstraint('domain_id', 'name', name=op.f('uq_identity_group_domain_id'))
    )
    with op.batch_alter_table('identity_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_group_domain_id'), ['domain_id'], unique=False)

    op.create_table('identity_implied_role',
    sa.Column('prior_role_id', sa.String(length=64), nullable=False),
    sa.Column('implied_role_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['implied_role_id'], ['identity_role.id'], name=op.f('fk_identity_implied_role_implied_role_id_identity_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prior_role_id'], ['identity_role.id'], name=op.f('fk_identity_implied_role_prior_role_id_identity_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('prior_role_id', 'implied_role_id', name=op.f('pk_identity_implied_role'))
    )
    op.create_table('identity_project',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'], name=op.f('fk_identity_project_domain_id_identity_domain')),
    sa.ForeignKeyConstraint(['parent_id'], ['identity_project.id'], name=op.f('fk_identity_project_parent_id_identity_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_project')),
    sa.UniqueConstraint('domain_id', 'name', name=op.f('uq_identity_project_domain_id'))
    )
    with op.batch_alter_table('identity_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_project_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_project_parent_id'), ['parent_id'], unique=False)

    op.create_table('identity_user',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('default_project_id', sa.String(length=64), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('password_created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('password_expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('failed_auth_count', sa.Integer(), nullable=False),
    sa.Column('failed_auth_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('last_active_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'], name=op.f('fk_identity_user_domain_id_identity_domain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_user')),
    sa.UniqueConstraint('domain_id', 'name', name=op.f('uq_identity_user_domain_id'))
    )
    with op.batch_alter_table('identity_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_user_domain_id'), ['domain_id'], unique=False)

    op.create_table('identity_application_credential',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('unrestricted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_application_credential_user_id_identity_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_application_credential')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_identity_application_credential_user_id'))
    )
    with op.batch_alter_table('identity_application_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_application_credential_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_application_credential_user_id'), ['user_id'], unique=False)

    op.create_table('identity_group_membership',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['identity_group.id'], name=op.f('fk_identity_group_membership_group_id_identity_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['identity_user.id'], name=op.f('fk_identity_group_membership_user_id_identity_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'group_id', name=op.f('pk_identity_group_membership'))
    )
    op.create_table('identity_project_tag',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['identity_project.id'], name=op.f('fk_identity_project_tag_project_id_identity_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'name', name=op.f('pk_identity_project_tag'))
    )


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a FK needs).
    op.drop_table('identity_project_tag')
    op.drop_table('identity_group_membership')
    op.drop_table('identity_application_credential')
    op.drop_table('identity_user')
    op.drop_table('identity_project')
    op.drop_table('identity_implied_role')
    op.drop_table('identity_group')
    op.drop_table('identity_endpoint')
    op.drop_table('identity_assignment')
    op.drop_table('nubo_meta')
    op.drop_table('identity_service')
    op.drop_table('identity_role')
    op.drop_table('identity_revocation_event')
    op.drop_table('identity_region')
    op.drop_table('identity_domain')
