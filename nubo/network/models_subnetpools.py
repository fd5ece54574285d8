"""Subnet pools (Neutron's subnet_allocation): the prefixes subnets are carved from.

`hash` is Neutron's allocation lock: every allocation from a pool rewrites it with a
conditional UPDATE (`WHERE hash = <the value read>`), so of two transactions that picked a
CIDR from the same picture of the pool only one commits; the other reads the pool again and
picks anew. Subnets record their pool in `subnet.subnetpool_id`.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base
from nubo.network.models import PROJECT, UUID, StandardAttrs


class SubnetPool(StandardAttrs, Base):
    __tablename__ = "subnetpool"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    default_quota: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(36), default="")
    address_scope_id: Mapped[str | None] = mapped_column(UUID, index=True)


class SubnetPoolPrefix(Base):
    __tablename__ = "subnetpool_prefix"
    subnetpool_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("subnetpool.id", ondelete="CASCADE"), primary_key=True)
    cidr: Mapped[str] = mapped_column(String(64), primary_key=True)
