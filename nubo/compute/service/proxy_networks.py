"""The networks Nova's /os-networks and /os-tenant-networks show (deprecated, to microversion
2.35): those the caller sees in Neutron (own, shared, external); the views are in
compute/api/proxies/networks.py."""

from __future__ import annotations

from sqlalchemy import select

from nubo.compute import errors
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import NotFound
from nubo.network import models as nm
from nubo.network.service.visibility import get_network, visible_networks_clause


class NetworkProxy:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_(self, ctx: RequestContext) -> list[nm.Network]:
        async with self.db.read() as s:
            return list((await s.execute(select(nm.Network).where(
                visible_networks_clause(ctx)).order_by(
                nm.Network.created_at, nm.Network.id))).scalars())

    async def show(self, ctx: RequestContext, id_: str) -> nm.Network:
        async with self.db.read() as s:
            try:
                return await get_network(s, ctx, id_)
            except NotFound:
                raise errors.NetworkNotFoundForProxy() from None
