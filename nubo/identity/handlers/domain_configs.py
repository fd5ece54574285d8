"""/v3/domains/{domain_id}/config[/{group}[/{option}]] and /v3/domains/config/.../default, as
keystone/api/domains.py answers them (see nubo/identity/domain_configs.py for why they are kept
and used by nothing)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.identity import domain_configs as dc
from nubo.identity.handlers.common import api

DEFAULT_DOMAIN = "default"


def _path(request: Request) -> tuple[str, str | None, str | None]:
    p = request.path_params
    return p["domain_id"], p.get("group"), p.get("option")


async def _config(request: Request) -> Any:
    body = await read_json(request, None, 1024 * 1024)
    return body.get("config", {}) if isinstance(body, dict) else {}


async def get(request: Request) -> Response:
    a, ctx = api(request), context(request)
    did, group, option = _path(request)
    if group == "security_compliance":
        a.enforce(ctx, "identity:get_security_compliance_domain_config", {})
        return json_response({"config": dc.compliance(did, DEFAULT_DOMAIN, option)})
    a.enforce(ctx, "identity:get_domain_config", {})
    await a.identity.get_domain(did)
    return json_response({"config": await a.domain_configs.get(did, group, option)})


async def put(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:create_domain_config", {})
    config, existed = await a.domain_configs.create(request.path_params["domain_id"],
                                                    await _config(request))
    return json_response({"config": config}, status=200 if existed else 201)


async def patch(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:update_domain_config", {})
    did, group, option = _path(request)
    config = await a.domain_configs.update(did, await _config(request), group, option)
    return json_response({"config": config})


async def delete(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_domain_config", {})
    did, group, option = _path(request)
    await a.domain_configs.delete(did, group, option)
    return no_content()


async def default(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_domain_config_default", {})
    p = request.path_params
    return json_response({"config": dc.defaults(p.get("group"), p.get("option"))})
