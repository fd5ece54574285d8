"""/v2.0/security-groups and /v2.0/security-group-rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.network.api import body, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import secgroups as schemas
from nubo.network.api.views import secgroups as views
from nubo.network.api.wiring import api, if_match
from nubo.network.service.ops import secgroups as ops

RULE_ATTRS = ("security_group_id", "direction", "ethertype", "protocol", "port_range_min",
              "port_range_max", "remote_ip_prefix", "remote_group_id", "description",
              "project_id", "tenant_id", "remote_address_group_id")
#: attributes a list may filter on even when no item is there to show them
GROUP_FILTERS = ("stateful", "shared", "security_group_rules")
RULE_FILTERS = RULE_ATTRS + ("normalized_cidr", "belongs_to_default_sg")


def _groups(shown: Sequence[ops.ShownGroup]) -> list[dict[str, Any]]:
    return [views.group(x.group, x.rules, x.tags, x.is_default) for x in shown]


def _rules(shown: Sequence[ops.ShownRule]) -> list[dict[str, Any]]:
    return [views.rule(x.rule, x.default_group, x.tags) for x in shown]


def _group_attrs(a: dict[str, Any]) -> dict[str, Any]:
    enforce.check(a, schemas.CREATE_GROUP, ("name", "project_id", "tenant_id", "description"))
    body.boolean(a, "stateful")
    return a


async def list_groups(request: Request) -> Response:
    items = _groups(await ops.list_groups(api(request).db, context(request)))
    return listing.respond(request, "security_groups", items, GROUP_FILTERS)


async def create_group(request: Request) -> Response:
    a = _group_attrs(await body.resource(request, schemas.CREATE_GROUP))
    shown = await ops.create_group(api(request).db, context(request), a)
    return json_response({"security_group": _groups([shown])[0]}, 201)


async def show_group(request: Request) -> Response:
    shown = await ops.show_group(api(request).db, context(request), request.path_params["id"])
    return _one(request, "security_group", _groups([shown])[0])


def _one(request: Request, key: str, item: dict[str, Any]) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({key: listing.project_fields(item, fields)})


async def update_group(request: Request) -> Response:
    a = _group_attrs(await body.resource(request, schemas.UPDATE_GROUP))
    shown = await ops.update_group(api(request).db, context(request), request.path_params["id"],
                                   a, if_match(request))
    return json_response({"security_group": _groups([shown])[0]})


async def delete_group(request: Request) -> Response:
    await ops.delete_group(api(request).db, context(request), request.path_params["id"],
                           if_match(request))
    return no_content()


async def list_rules(request: Request) -> Response:
    items = _rules(await ops.list_rules(api(request).db, context(request)))
    return listing.respond(request, "security_group_rules", items, RULE_FILTERS)


async def create_rule(request: Request) -> Response:
    a = await body.resource(request, schemas.CREATE_RULE)
    enforce.check(a, schemas.CREATE_RULE, ("security_group_id", "description"))
    body.string(a, "remote_group_id", nullable=True)   # no UUID check: a 404 as in Neutron
    shown = await ops.create_rule(api(request).db, context(request), a)
    return json_response({"security_group_rule": _rules([shown])[0]}, 201)


async def show_rule(request: Request) -> Response:
    shown = await ops.show_rule(api(request).db, context(request), request.path_params["id"])
    return _one(request, "security_group_rule", _rules([shown])[0])


async def delete_rule(request: Request) -> Response:
    await ops.delete_rule(api(request).db, context(request), request.path_params["id"],
                          if_match(request))
    return no_content()
