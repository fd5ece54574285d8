"""Address scopes (Neutron's address-scope extension): a space of addresses in which no two
subnet pools overlap, so that routers may forward between its subnets without NAT.

Neutron's AddressScope has no standard attributes (no description, timestamps, revision or
tags): id, project, name, shared and ip_version only. Subnet pools name their scope in
`subnetpool.address_scope_id` (no foreign key, as in Neutron: deleting a scope in use is
refused with AddressScopeInUse).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base
from nubo.network.models import PROJECT, UUID


class AddressScope(Base):
    __tablename__ = "address_scope"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    ip_version: Mapped[int] = mapped_column(Integer)
