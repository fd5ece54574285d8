"""First start: the networks DevStack makes. `public` (external, flat on physical network
"public", the admin project's) with `public-subnet`; the demo project's `private` with
`private-subnet`; and `router1` between them (N2's `router1` hook).

All of it is one transaction that also records that it ran, so a start killed half-way
leaves nothing behind and the next start does it whole; a later start does nothing.
"""

from __future__ import annotations

import ipaddress
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database, Meta
from nubo.network import models as m
from nubo.network.service import networks, subnets

LOG = logging.getLogger("nubo.network.service.bootstrap")
BOOTSTRAP_KEY = "network_bootstrap"


async def router1(session: AsyncSession, ctx: RequestContext, public: m.Network,
                  private_subnet: m.Subnet) -> None:
    """N2: create `router1` (demo project) with its gateway on `public` and an interface on
    `private_subnet`, in this same transaction."""
    from nubo.network.service.router_interfaces import devstack_router1

    await devstack_router1(session, ctx, public, private_subnet)


async def _project(session: AsyncSession, name: str) -> str | None:
    from nubo.identity.models import Project

    row = (await session.execute(select(Project.id).where(
        Project.name == name, Project.domain_id == "default"))).first()
    return row[0] if row else None


def _ctx(project_id: str) -> RequestContext:
    return RequestContext(request_id="req-network-bootstrap", project_id=project_id,
                          roles=("admin", "member", "reader"))


async def bootstrap(db: Database, settings: Settings) -> bool:
    """Create the default networks unless done before; True when it ran."""
    vni = (settings.network_vni_min, settings.network_vni_max)
    async with db.write() as s:
        if await s.get(Meta, BOOTSTRAP_KEY) is not None:
            return False
        admin, demo = await _project(s, "admin"), await _project(s, "demo")
        if admin is None or demo is None:
            return False
        pub = ipaddress.ip_network(settings.public_cidr)
        ctx = _ctx(admin)
        public = await networks.create_network(s, ctx, {
            "name": "public", "router:external": True, "shared": False,
            "provider:network_type": "flat", "provider:physical_network": "public"}, vni)
        first, last = pub.network_address + 2, pub.broadcast_address - 1
        await subnets.create_subnet(s, ctx, {
            "name": "public-subnet", "network_id": public.id, "ip_version": pub.version,
            "cidr": str(pub), "gateway_ip": str(pub.network_address + 1), "enable_dhcp": False,
            "allocation_pools": [{"start": str(first), "end": str(last)}]})
        dctx = _ctx(demo)
        private = await networks.create_network(s, dctx, {"name": "private"}, vni)
        priv = ipaddress.ip_network(settings.private_cidr)
        sub = await subnets.create_subnet(s, dctx, {
            "name": "private-subnet", "network_id": private.id, "ip_version": priv.version,
            "cidr": str(priv)})
        await router1(s, dctx, public, sub)
        s.add(Meta(key=BOOTSTRAP_KEY, value={"done": True}))
    LOG.info("bootstrapped networks: public %s, private %s", pub, priv)
    return True
