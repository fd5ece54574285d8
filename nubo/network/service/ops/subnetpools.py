"""Subnet pools and address scopes: the transactions of /v2.0/subnetpools and
/v2.0/address-scopes (subnetpools.py and address_scopes.py beside this package do the work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.network.models_address_scopes import AddressScope
from nubo.network.models_subnetpools import SubnetPool
from nubo.network.service import address_scopes, attrs, subnetpools
from nubo.network.service.ops import Enforce
from nubo.network.service.subnetpools import Net


class Shown(NamedTuple):
    pool: SubnetPool
    prefixes: list[str]
    tags: list[str]


async def detailed(s: AsyncSession, rows: Sequence[SubnetPool]) -> list[Shown]:
    ids = [p.id for p in rows]
    prefixes = await subnetpools.prefixes_of(s, ids)
    tags = await attrs.tags_of(s, "subnetpools", ids)
    return [Shown(p, prefixes[p.id], tags[p.id]) for p in rows]


async def create(db: Database, ctx: RequestContext, items: Sequence[dict[str, Any]]
                 ) -> list[Shown]:
    async with db.write() as s:
        return await detailed(s, [await subnetpools.create_pool(s, ctx, a) for a in items])


async def list_(db: Database, ctx: RequestContext) -> list[Shown]:
    async with db.read() as s:
        return await detailed(s, await subnetpools.list_pools(s, ctx))


async def show(db: Database, ctx: RequestContext, id_: str) -> Shown:
    async with db.read() as s:
        return (await detailed(s, [await subnetpools.get_pool(s, ctx, id_)]))[0]


async def update(db: Database, ctx: RequestContext, id_: str, a: dict[str, Any],
                 if_match: str | None, enforce: Enforce) -> Shown:
    async with db.write() as s:
        p = await subnetpools.get_pool(s, ctx, id_)
        subnetpools.check_owner(ctx, p, "update_subnetpool")
        if "is_default" in a and a["is_default"] != p.is_default:
            enforce("update_subnetpool:is_default", {"project_id": p.project_id})
        attrs.check_revision(if_match, p)
        p = await subnetpools.update_pool(s, ctx, p, a)
        return (await detailed(s, [p]))[0]


async def delete(db: Database, ctx: RequestContext, id_: str, if_match: str | None) -> None:
    async with db.write() as s:
        p = await subnetpools.get_pool(s, ctx, id_)
        subnetpools.check_owner(ctx, p, "delete_subnetpool")
        attrs.check_revision(if_match, p)
        await subnetpools.delete_pool(s, p)


async def add_prefixes(db: Database, ctx: RequestContext, id_: str, new: list[Any]
                       ) -> list[str]:
    """The pool's prefixes after adding `new` (subnetpool-prefix-ops)."""
    async with db.write() as s:
        p = await subnetpools.get_pool(s, ctx, id_)
        subnetpools.check_owner(ctx, p, "add_prefixes")
        have = (await subnetpools.prefixes_of(s, [p.id]))[p.id]
        await subnetpools.update_pool(s, ctx, p, {"prefixes": have + new})
        return (await subnetpools.prefixes_of(s, [p.id]))[p.id]


async def remove_prefixes(db: Database, ctx: RequestContext, id_: str, gone: list[Net]
                          ) -> list[str]:
    """The pool's prefixes after removing `gone` (subnetpools.parse_prefixes)."""
    async with db.write() as s:
        p = await subnetpools.get_pool(s, ctx, id_)
        subnetpools.check_owner(ctx, p, "remove_prefixes")
        await subnetpools.remove_prefixes(s, p, gone)
        return (await subnetpools.prefixes_of(s, [p.id]))[p.id]


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a subnet pool (attrs.TAGGABLE)."""
    p = await subnetpools.get_pool(session, ctx, rid)
    if write:
        subnetpools.check_owner(ctx, p, "update_subnetpool")


# ---------------------------------------------------------------------------- address scopes

async def create_scopes(db: Database, items: list[tuple[str, dict[str, Any]]]
                        ) -> list[AddressScope]:
    """`items`: (project, attributes) of each scope."""
    async with db.write() as s:
        return list(await address_scopes.create_scopes(s, items))


async def list_scopes(db: Database, ctx: RequestContext) -> list[AddressScope]:
    async with db.read() as s:
        return list(await address_scopes.list_scopes(s, ctx))


async def show_scope(db: Database, ctx: RequestContext, id_: str) -> AddressScope:
    async with db.read() as s:
        return await address_scopes.get_scope(s, ctx, id_)


async def update_scope(db: Database, ctx: RequestContext, id_: str, a: dict[str, Any],
                       enforce: Enforce) -> AddressScope:
    async with db.write() as s:
        row = await address_scopes.get_scope(s, ctx, id_)
        enforce("update_address_scope", {"project_id": row.project_id})
        if "shared" in a and a["shared"] != row.shared:
            enforce("update_address_scope:shared", {"project_id": row.project_id})
        await address_scopes.update_scope(s, row, a)
        return row


async def delete_scope(db: Database, ctx: RequestContext, id_: str, enforce: Enforce) -> None:
    async with db.write() as s:
        row = await address_scopes.get_scope(s, ctx, id_)
        enforce("delete_address_scope", {"project_id": row.project_id})
        await address_scopes.delete_scope(s, row)
