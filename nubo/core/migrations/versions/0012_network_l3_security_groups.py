"""Network (Neutron v2.0): routers, floating IPs, security groups and their rules.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
