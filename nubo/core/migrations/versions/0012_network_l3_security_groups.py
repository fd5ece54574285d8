"""Network (Neutron v2.0): routers, floating IPs, security groups and their rules.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nubo.core.db import Timestamp

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _standard() -> list[sa.Column]:
    return [sa.Column('created_at', Timestamp, nullable=False),
            sa.Column('updated_at', Timestamp, nullable=False),
            sa.Column('revision_number', sa.Integer(), nullable=False),
            sa.Column('description', sa.String(255), nullable=False)]


def _fk(col: str, table: str, ref: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [ref], name=op.f(f'fk_{table}_{col}_{ref.split(".")[0]}'),
                                   ondelete=ondelete)


def _index(table: str, *cols: str, unique: bool = False) -> None:
    for col in cols:
        op.create_index(op.f(f'ix_{table}_{col}'), table, [col], unique=unique)


def upgrade() -> None:
    op.create_table(
        'security_group',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('stateful', sa.Boolean(), nullable=False),
        *_standard(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_group')))
    _index('security_group', 'project_id')
    op.create_table(
        'security_group_rule',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('security_group_id', sa.String(36), nullable=False),
        sa.Column('remote_group_id', sa.String(36), nullable=True),
        sa.Column('direction', sa.String(16), nullable=False),
        sa.Column('ethertype', sa.String(8), nullable=False),
        sa.Column('protocol', sa.String(40), nullable=True),
        sa.Column('port_range_min', sa.Integer(), nullable=True),
        sa.Column('port_range_max', sa.Integer(), nullable=True),
        sa.Column('remote_ip_prefix', sa.String(64), nullable=True),
        *_standard(),
        _fk('security_group_id', 'security_group_rule', 'security_group.id', 'CASCADE'),
        _fk('remote_group_id', 'security_group_rule', 'security_group.id', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_group_rule')))
    _index('security_group_rule', 'project_id', 'security_group_id', 'remote_group_id')
    op.create_table(
        'default_security_group',
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('security_group_id', sa.String(36), nullable=False),
        _fk('security_group_id', 'default_security_group', 'security_group.id', 'CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_default_security_group')),
        sa.UniqueConstraint('security_group_id',
                            name=op.f('uq_default_security_group_security_group_id')))
    _l3_tables()


def _l3_tables() -> None:
    op.create_table(
        'router',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('gw_port_id', sa.String(36), nullable=True),
        sa.Column('enable_snat', sa.Boolean(), nullable=False),
        sa.Column('routes', sa.JSON(), nullable=False),
        *_standard(),
        _fk('gw_port_id', 'router', 'port.id', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_router')))
    _index('router', 'project_id')
    op.create_table(
        'router_port',
        sa.Column('router_id', sa.String(36), nullable=False),
        sa.Column('port_id', sa.String(36), nullable=False),
        sa.Column('port_type', sa.String(255), nullable=False),
        _fk('router_id', 'router_port', 'router.id', 'CASCADE'),
        _fk('port_id', 'router_port', 'port.id', 'CASCADE'),
        sa.PrimaryKeyConstraint('port_id', name=op.f('pk_router_port')))
    _index('router_port', 'router_id')
    op.create_table(
        'floating_ip',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=False),
        sa.Column('floating_ip_address', sa.String(64), nullable=False),
        sa.Column('floating_network_id', sa.String(36), nullable=False),
        sa.Column('floating_port_id', sa.String(36), nullable=False),
        sa.Column('fixed_port_id', sa.String(36), nullable=True),
        sa.Column('fixed_ip_address', sa.String(64), nullable=True),
        sa.Column('router_id', sa.String(36), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        *_standard(),
        _fk('floating_network_id', 'floating_ip', 'network.id'),
        _fk('floating_port_id', 'floating_ip', 'port.id', 'CASCADE'),
        _fk('fixed_port_id', 'floating_ip', 'port.id', 'SET NULL'),
        _fk('router_id', 'floating_ip', 'router.id', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_floating_ip')),
        sa.UniqueConstraint('floating_port_id', name=op.f('uq_floating_ip_floating_port_id')),
        sa.UniqueConstraint('floating_network_id', 'fixed_port_id', 'fixed_ip_address',
                            name='uq_floating_ip_network_port_fixed_ip'))
    _index('floating_ip', 'project_id', 'floating_network_id', 'fixed_port_id', 'router_id')


def downgrade() -> None:
    for table in ('floating_ip', 'router_port', 'router', 'default_security_group',
                  'security_group_rule', 'security_group'):
        op.drop_table(table)
