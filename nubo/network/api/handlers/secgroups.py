"""/v2.0/security-groups and /v2.0/security-group-rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network.api import attrs, body, listing
from nubo.network.api.schemas import secgroups as schemas
from nubo.network.api.views import secgroups as views
from nubo.network.models_secgroups import SecurityGroup, SecurityGroupRule
from nubo.network.service import secgroups as sgs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

KIND = "security_groups"
RULE_KIND = "security_group_rules"
RULE_ATTRS = ("security_group_id", "direction", "ethertype", "protocol", "port_range_min",
              "port_range_max", "remote_ip_prefix", "remote_group_id", "description",
              "project_id", "tenant_id", "remote_address_group_id")
#: attributes a list may filter on even when no item is there to show them
GROUP_FILTERS = ("stateful", "shared", "security_group_rules")
RULE_FILTERS = RULE_ATTRS + ("normalized_cidr", "belongs_to_default_sg")


def _db(request: Request) -> Any:
    return request.scope["nubo.state"].db


async def _render_groups(s: AsyncSession, groups: list[SecurityGroup]) -> list[dict[str, Any]]:
    ids = [g.id for g in groups]
    rules = await sgs.rules_of(s, ids)
    tags = await attrs.tags_of(s, KIND, ids)
    out = []
    for g in groups:
        is_default = g.id == await sgs.default_group_id(s, g.project_id)
        out.append(views.group(g, rules[g.id], tags[g.id], is_default))
    return out


async def _render_rules(s: AsyncSession, rules: list[SecurityGroupRule]
                        ) -> list[dict[str, Any]]:
    tags, defaults = await sgs.rule_details(s, rules, RULE_KIND)
    return [views.rule(r, defaults[r.security_group_id], tags[r.id]) for r in rules]


def _group_attrs(a: dict[str, Any]) -> dict[str, Any]:
    for name in ("name", "project_id", "tenant_id"):
        body.string(a, name)
    body.string(a, "description", nullable=True)
    body.boolean(a, "stateful")
    return a


async def list_groups(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).write() as s:
        # Neutron makes the caller's default group on its first look at the list.
        if ctx.project_id:
            await sgs.ensure_default_group(s, ctx.project_id)
        items = await _render_groups(s, await sgs.list_groups(s, ctx))
    return listing.respond(request, "security_groups", items, GROUP_FILTERS)


async def create_group(request: Request) -> Response:
    ctx = context(request)
    a = _group_attrs(await body.resource(request, schemas.CREATE_GROUP))
    async with _db(request).write() as s:
        sg = await sgs.create_group(s, ctx, a)
        out = (await _render_groups(s, [sg]))[0]
    return json_response({"security_group": out}, 201)


async def show_group(request: Request) -> Response:
    ctx, id_ = context(request), request.path_params["id"]
    async with _db(request).read() as s:
        out = (await _render_groups(s, [await sgs.get_group(s, ctx, id_)]))[0]
    return _one(request, "security_group", out)


def _one(request: Request, key: str, item: dict[str, Any]) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({key: listing.project_fields(item, fields)})


async def update_group(request: Request) -> Response:
    ctx, id_ = context(request), request.path_params["id"]
    a = _group_attrs(await body.resource(request, schemas.UPDATE_GROUP))
    async with _db(request).write() as s:
        attrs.check_if_match(request, await sgs.get_group(s, ctx, id_))
        sg = await sgs.update_group(s, ctx, id_, a)
        out = (await _render_groups(s, [sg]))[0]
    return json_response({"security_group": out})


async def delete_group(request: Request) -> Response:
    ctx, id_ = context(request), request.path_params["id"]
    async with _db(request).write() as s:
        attrs.check_if_match(request, await sgs.get_group(s, ctx, id_))
        await sgs.delete_group(s, ctx, id_)
        await attrs.drop_tags(s, KIND, id_)
    return no_content()


async def list_rules(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).write() as s:
        if ctx.project_id:
            await sgs.ensure_default_group(s, ctx.project_id)
        items = await _render_rules(s, await sgs.list_rules(s, ctx))
    return listing.respond(request, "security_group_rules", items, RULE_FILTERS)


async def create_rule(request: Request) -> Response:
    ctx = context(request)
    a = await body.resource(request, schemas.CREATE_RULE)
    body.string(a, "security_group_id")
    body.string(a, "description", nullable=True)
    body.string(a, "remote_group_id", nullable=True)   # no UUID check: a 404 as in Neutron
    async with _db(request).write() as s:
        r = await sgs.create_rule(s, ctx, a)
        out = (await _render_rules(s, [r]))[0]
    return json_response({"security_group_rule": out}, 201)


async def show_rule(request: Request) -> Response:
    ctx, id_ = context(request), request.path_params["id"]
    async with _db(request).read() as s:
        out = (await _render_rules(s, [await sgs.get_rule(s, ctx, id_)]))[0]
    return _one(request, "security_group_rule", out)


async def delete_rule(request: Request) -> Response:
    ctx, id_ = context(request), request.path_params["id"]
    async with _db(request).write() as s:
        attrs.check_if_match(request, await sgs.get_rule(s, ctx, id_))
        await sgs.delete_rule(s, ctx, id_)
    return no_content()


async def _access_group(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    await sgs.get_group(s, ctx, id_)


attrs.TAGGABLE["security-groups"] = (KIND, _access_group)
