"""The tags sub-resource of every taggable collection (`/v2.0/<collection>/<id>/tags`): its
transactions, and the table of which collections are taggable with the check of who may see
(or change) a resource of each (attrs.TAGGABLE; attrs.py beside this package does the work)."""

from __future__ import annotations

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.network.service import attrs
from nubo.network.service.ops import l3, networks, ports, secgroups, subnetpools, subnets

attrs.TAGGABLE.update({
    "networks": ("networks", networks.access),
    "subnets": ("subnets", subnets.access),
    "ports": ("ports", ports.access),
    "subnetpools": ("subnetpools", subnetpools.access),
    "routers": ("routers", l3.access_router),
    "floatingips": ("floatingips", l3.access_fip),
    "security-groups": (secgroups.KIND, secgroups.access_group),
})


async def list_tags(db: Database, ctx: RequestContext, collection: str, rid: str
                    ) -> list[str]:
    async with db.read() as s:
        return await attrs.list_tags(s, ctx, collection, rid)


async def replace_tags(db: Database, ctx: RequestContext, collection: str, rid: str,
                       tags: list[str]) -> None:
    async with db.write() as s:
        await attrs.replace_tags(s, ctx, collection, rid, tags)


async def clear_tags(db: Database, ctx: RequestContext, collection: str, rid: str) -> None:
    async with db.write() as s:
        await attrs.clear_tags(s, ctx, collection, rid)


async def check_tag(db: Database, ctx: RequestContext, collection: str, rid: str,
                    tag: str) -> None:
    async with db.read() as s:
        await attrs.check_tag(s, ctx, collection, rid, tag)


async def add_tag(db: Database, ctx: RequestContext, collection: str, rid: str,
                  tag: str) -> None:
    async with db.write() as s:
        await attrs.add_tag(s, ctx, collection, rid, tag)


async def remove_tag(db: Database, ctx: RequestContext, collection: str, rid: str,
                     tag: str) -> None:
    async with db.write() as s:
        await attrs.remove_tag(s, ctx, collection, rid, tag)
