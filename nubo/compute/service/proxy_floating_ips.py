"""Nova's floating IP proxy onto Neutron: /os-floating-ips and /os-floating-ip-pools
(deprecated, to microversion 2.35). Facts from nova/api/openstack/compute/floating_ips.py,
floating_ip_pools.py and nova/network/neutron.py: a pool is an external network, named by
its name (or id when it has none); a list shows the caller's own project's floating IPs
(an admin's too); `instance_id` is the device of the port the IP is associated with.
The rows are Neutron's own (network/floatingips), so both APIs always agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import BadRequest, Conflict, NotFound
from nubo.network import models as nm
from nubo.network.models_l3 import FloatingIP
from nubo.network.service import floatingips
from nubo.network.service.visibility import visible_networks_clause

#: Nova's [neutron] default_floating_pool as DevStack sets it (Nubo's bootstrap network).
DEFAULT_POOL = "public"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def pool_name(net: nm.Network) -> str:
    return net.name or net.id


class FloatingIpProxy:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _render(self, s: AsyncSession, fips: Sequence[FloatingIP]
                      ) -> list[dict[str, Any]]:
        net_ids = {f.floating_network_id for f in fips}
        port_ids = {f.fixed_port_id for f in fips if f.fixed_port_id}
        nets = {n.id: n for n in (await s.execute(select(nm.Network).where(
            nm.Network.id.in_(net_ids)))).scalars()} if net_ids else {}
        devices = {pid: dev for pid, dev in (await s.execute(select(
            nm.Port.id, nm.Port.device_id).where(nm.Port.id.in_(port_ids))))} if port_ids else {}
        out = []
        for f in fips:
            net = nets.get(f.floating_network_id)
            device = devices.get(f.fixed_port_id) if f.fixed_port_id else None
            out.append({"fixed_ip": f.fixed_ip_address if f.fixed_port_id else None,
                        "id": f.id, "instance_id": device or None,
                        "ip": f.floating_ip_address,
                        "pool": pool_name(net) if net else f.floating_network_id})
        return out

    async def _get(self, s: AsyncSession, ctx: RequestContext, id_: str) -> FloatingIP:
        try:
            if not _is_uuid(id_):
                raise errors.ResourceNotFound()
            return await floatingips.get_fip(s, ctx, id_)
        except NotFound:
            raise errors.FloatingIpNotFound(id=id_) from None

    async def list_(self, ctx: RequestContext) -> list[dict[str, Any]]:
        async with self.db.read() as s:
            rows = (await s.execute(select(FloatingIP).where(
                FloatingIP.project_id == (ctx.project_id or "")).order_by(
                FloatingIP.created_at, FloatingIP.id))).scalars().all()
            return await self._render(s, rows)

    async def show(self, ctx: RequestContext, id_: str) -> dict[str, Any]:
        async with self.db.read() as s:
            return (await self._render(s, [await self._get(s, ctx, id_)]))[0]

    async def _pool(self, s: AsyncSession, ctx: RequestContext, pool: str) -> str:
        q = select(nm.Network.id).where(nm.Network.external.is_(True),
                                        visible_networks_clause(ctx))
        q = q.where(nm.Network.id == pool) if _is_uuid(pool) else q.where(
            nm.Network.name == pool)
        ids = list((await s.execute(q)).scalars())
        if not ids:
            raise errors.FloatingIpPoolNotFound()
        if len(ids) > 1:
            raise errors.FloatingIpPoolAmbiguous(pool=pool)
        return ids[0]

    async def create(self, ctx: RequestContext, pool: str | None) -> dict[str, Any]:
        """Allocate from `pool` (Nova's default pool when none is given)."""
        name = pool or DEFAULT_POOL
        async with self.db.write() as s:
            net_id = await self._pool(s, ctx, name)
            try:
                fip = await floatingips.create_fip(s, ctx, {"floating_network_id": net_id})
            except Conflict as e:
                if e.code == "OverQuota":
                    if pool:
                        raise errors.FloatingIpPoolLimitExceeded(pool=name) from None
                    raise errors.FloatingIpLimitExceeded() from None
                if e.code == "IpAddressGenerationFailure":
                    raise _no_more(pool) from None
                raise errors.NeutronBadRequest(reason=e.message) from None
            except BadRequest as e:
                if e.code == "ExternalIpAddressExhausted":
                    raise _no_more(pool) from None
                raise errors.NeutronBadRequest(reason=e.message) from None
            return (await self._render(s, [fip]))[0]

    async def delete(self, ctx: RequestContext, id_: str) -> None:
        """Disassociate (if associated) and release, as Nova's one call does."""
        async with self.db.write() as s:
            await floatingips.delete_fip(s, await self._get(s, ctx, id_))

    async def pools(self, ctx: RequestContext) -> list[dict[str, str]]:
        async with self.db.read() as s:
            nets = (await s.execute(select(nm.Network).where(
                nm.Network.external.is_(True), visible_networks_clause(ctx)).order_by(
                nm.Network.created_at, nm.Network.id))).scalars().all()
        return [{"name": pool_name(n)} for n in nets]


def _no_more(pool: str | None) -> NotFound:
    return errors.NoMoreFloatingIpsInPool(pool=pool) if pool else errors.NoMoreFloatingIps()
