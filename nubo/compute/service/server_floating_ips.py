"""addFloatingIp / removeFloatingIp (Nova's deprecated proxy actions, 2.1-2.43): associate a
floating IP, given by address, with one of the server's fixed addresses, on the Neutron
tables (nova/api/openstack/compute/floating_ips.py FloatingIPActionController)."""

from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.compute.service.networking import is_nic_of, nics_of
from nubo.compute.service.servers import ServerService
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import Forbidden, NuboError
from nubo.network import models as nm
from nubo.network.models_l3 import FloatingIP
from nubo.network.service import floatingips
from nubo.network.service import ports as nports


class ServerFloatingIps:
    def __init__(self, db: Database, servers: ServerService) -> None:
        self.db = db
        self.servers = servers

    async def add(self, ctx: RequestContext, sid: str, address: str,
                  fixed_address: str | None) -> None:
        async with self.db.write() as s:
            inst = await self.servers.load_in(s, ctx, sid)
            ports = list((await s.execute(select(nm.Port).where(
                nics_of(inst.id)).order_by(nm.Port.created_at, nm.Port.id)))
                .scalars())
            if not ports:
                raise errors.InstanceNetworkNotReady()
            ips = await nports.ips_of(s, [p.id for p in ports])
            fixed = [(p, ip) for p in ports for _, ip in ips[p.id]]
            if not fixed:
                raise errors.NoFixedIpsForInstance()
            if fixed_address:
                want = ipaddress.ip_address(fixed_address).compressed
                chosen = next(((p, ip) for p, ip in fixed if ip == want), None)
                if chosen is None:
                    raise errors.FixedIpNotAssigned()
            else:
                chosen = next(((p, ip) for p, ip in fixed
                               if ipaddress.ip_address(ip).version == 4), None)
                if chosen is None:
                    raise errors.FloatingIpNoFixedIpv4(address=address, instance_id=sid)
            fip = await _by_address(s, ctx, address)
            if fip is None:
                raise errors.FloatingIpNotFoundForInstance()
            port, ip = chosen
            try:
                await floatingips.update_fip(s, ctx, fip, {"port_id": port.id,
                                                           "fixed_ip_address": ip})
            except Forbidden:
                raise
            except NuboError as exc:
                raise errors.FloatingIpAssociateFailed(address=address, fixed_ip=ip,
                                                       instance_id=sid, error=exc.message) from None

    async def remove(self, ctx: RequestContext, sid: str, address: str) -> None:
        async with self.db.write() as s:
            fip = await _by_address(s, ctx, address)
            if fip is None:
                raise errors.FloatingIpNotFoundForAddress(address=address)
            inst = await self.servers.load_in(s, ctx, sid)
            port = await s.get(nm.Port, fip.fixed_port_id) if fip.fixed_port_id else None
            if not is_nic_of(port, inst):
                raise errors.FloatingIpNotAssociated(address=address, instance_id=sid)
            await floatingips.update_fip(s, ctx, fip, {"port_id": None})


async def _by_address(s: AsyncSession, ctx: RequestContext, address: str) -> FloatingIP | None:
    want = ipaddress.ip_address(address).compressed
    q = select(FloatingIP).where(FloatingIP.floating_ip_address == want)
    if not ctx.is_admin:
        q = q.where(FloatingIP.project_id == (ctx.project_id or ""))
    return (await s.execute(q)).scalars().first()
