"""Network: floating IP port forwardings (extension floating-ip-port-forwarding).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'port_forwarding',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('floatingip_id', sa.String(36), nullable=False),
        sa.Column('internal_port_id', sa.String(36), nullable=False),
        sa.Column('internal_ip_address', sa.String(64), nullable=False),
        sa.Column('internal_port', sa.Integer(), nullable=False),
        sa.Column('external_port', sa.Integer(), nullable=False),
        sa.Column('protocol', sa.String(40), nullable=False),
        sa.Column('description', sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(['floatingip_id'], ['floating_ip.id'],
                                name=op.f('fk_port_forwarding_floatingip_id_floating_ip'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['internal_port_id'], ['port.id'],
                                name=op.f('fk_port_forwarding_internal_port_id_port'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_port_forwarding')),
        sa.UniqueConstraint('floatingip_id', 'external_port', 'protocol',
                            name='uq_port_forwarding_fip_external_port_protocol'),
        sa.UniqueConstraint('internal_port_id', 'internal_ip_address', 'internal_port',
                            'protocol', name='uq_port_forwarding_internal_socket_protocol'))
    op.create_index(op.f('ix_port_forwarding_floatingip_id'), 'port_forwarding',
                    ['floatingip_id'])
    op.create_index(op.f('ix_port_forwarding_internal_port_id'), 'port_forwarding',
                    ['internal_port_id'])


def downgrade() -> None:
    op.drop_table('port_forwarding')
