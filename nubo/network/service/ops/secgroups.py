"""Security groups and their rules: the transactions of /v2.0/security-groups and
/v2.0/security-group-rules (network/service/secgroups.py does the work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.network.models_secgroups import SecurityGroup, SecurityGroupRule
from nubo.network.service import attrs
from nubo.network.service import secgroups as sgs

KIND = "security_groups"
RULE_KIND = "security_group_rules"


class ShownGroup(NamedTuple):
    group: SecurityGroup
    rules: list[SecurityGroupRule]
    tags: list[str]
    is_default: bool


class ShownRule(NamedTuple):
    rule: SecurityGroupRule
    default_group: bool | None
    tags: list[str]


async def detailed_groups(s: AsyncSession, groups: Sequence[SecurityGroup]
                          ) -> list[ShownGroup]:
    ids = [g.id for g in groups]
    rules = await sgs.rules_of(s, ids)
    tags = await attrs.tags_of(s, KIND, ids)
    out = []
    for g in groups:
        is_default = g.id == await sgs.default_group_id(s, g.project_id)
        out.append(ShownGroup(g, rules[g.id], tags[g.id], is_default))
    return out


async def detailed_rules(s: AsyncSession, rules: Sequence[SecurityGroupRule]
                         ) -> list[ShownRule]:
    tags, defaults = await sgs.rule_details(s, rules, RULE_KIND)
    return [ShownRule(r, defaults[r.security_group_id], tags[r.id]) for r in rules]


async def list_groups(db: Database, ctx: RequestContext) -> list[ShownGroup]:
    # a write: Neutron makes the caller's default group on its first look at the list
    async with db.write() as s:
        if ctx.project_id:
            await sgs.ensure_default_group(s, ctx.project_id)
        return await detailed_groups(s, await sgs.list_groups(s, ctx))


async def create_group(db: Database, ctx: RequestContext, a: dict[str, Any]) -> ShownGroup:
    async with db.write() as s:
        return (await detailed_groups(s, [await sgs.create_group(s, ctx, a)]))[0]


async def show_group(db: Database, ctx: RequestContext, id_: str) -> ShownGroup:
    async with db.read() as s:
        return (await detailed_groups(s, [await sgs.get_group(s, ctx, id_)]))[0]


async def update_group(db: Database, ctx: RequestContext, id_: str, a: dict[str, Any],
                       if_match: str | None) -> ShownGroup:
    async with db.write() as s:
        attrs.check_revision(if_match, await sgs.get_group(s, ctx, id_))
        return (await detailed_groups(s, [await sgs.update_group(s, ctx, id_, a)]))[0]


async def delete_group(db: Database, ctx: RequestContext, id_: str,
                       if_match: str | None) -> None:
    async with db.write() as s:
        attrs.check_revision(if_match, await sgs.get_group(s, ctx, id_))
        await sgs.delete_group(s, ctx, id_)
        await attrs.drop_tags(s, KIND, id_)


async def list_rules(db: Database, ctx: RequestContext) -> list[ShownRule]:
    async with db.write() as s:
        if ctx.project_id:
            await sgs.ensure_default_group(s, ctx.project_id)
        return await detailed_rules(s, await sgs.list_rules(s, ctx))


async def create_rule(db: Database, ctx: RequestContext, a: dict[str, Any]) -> ShownRule:
    async with db.write() as s:
        return (await detailed_rules(s, [await sgs.create_rule(s, ctx, a)]))[0]


async def show_rule(db: Database, ctx: RequestContext, id_: str) -> ShownRule:
    async with db.read() as s:
        return (await detailed_rules(s, [await sgs.get_rule(s, ctx, id_)]))[0]


async def delete_rule(db: Database, ctx: RequestContext, id_: str,
                      if_match: str | None) -> None:
    async with db.write() as s:
        attrs.check_revision(if_match, await sgs.get_rule(s, ctx, id_))
        await sgs.delete_rule(s, ctx, id_)


async def access_group(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    """Who may see and tag a security group (attrs.TAGGABLE)."""
    await sgs.get_group(s, ctx, id_)
