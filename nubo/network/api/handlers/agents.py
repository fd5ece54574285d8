"""Agents, availability zones and network IP availabilities over HTTP (the data side is
network/service/agents.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network import models as m
from nubo.network.api import body, listing
from nubo.network.api.attrs import iso
from nubo.network.api.schemas import admin as schemas
from nubo.network.api.wiring import api
from nubo.network.service import agents
from nubo.network.service.agents import AGENTS, BRIDGE_AGENT, ensure_agents
from nubo.network.service.networks import ZONE
from nubo.network.service.ops import admin as ops

__all__ = ["AGENTS", "BRIDGE_AGENT", "availabilities", "availability", "delete",
           "ensure_agents", "list_", "show", "update", "zones"]


def _view(a: m.Agent) -> dict[str, Any]:
    return {"id": a.id, "agent_type": a.agent_type, "binary": a.binary, "topic": a.topic,
            "host": a.host, "admin_state_up": a.admin_state_up, "alive": agents.alive(a),
            "availability_zone": a.availability_zone, "description": a.description,
            "configurations": dict(a.configurations or {}),
            "created_at": iso(a.created_at).replace("T", " ").rstrip("Z"),  # type: ignore
            "started_at": iso(a.started_at).replace("T", " ").rstrip("Z"),  # type: ignore
            "heartbeat_timestamp": iso(a.heartbeat_timestamp).replace(  # type: ignore
                "T", " ").rstrip("Z"),
            "resources_synced": None}


async def list_(request: Request) -> Response:
    na = api(request)
    if not na.allowed(context(request), "get_agent"):   # Neutron filters, never a 403
        return listing.respond(request, "agents", [])
    rows = await ops.list_agents(na.db)
    return listing.respond(request, "agents", [_view(a) for a in rows])


async def show(request: Request) -> Response:
    na = api(request)
    na.enforce(context(request), "get_agent")
    a = await ops.get_agent(na.db, request.path_params["agent_id"])
    return json_response({"agent": _view(a)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.AGENT)
    body.boolean(a, "admin_state_up")
    body.string(a, "description", nullable=True)
    na.enforce(ctx, "update_agent")
    row = await ops.update_agent(na.db, request.path_params["agent_id"], a)
    return json_response({"agent": _view(row)})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    na.enforce(ctx, "delete_agent")
    await ops.delete_agent(na.db, request.path_params["agent_id"])
    return no_content()


async def zones(request: Request) -> Response:
    items = [{"name": ZONE, "resource": r, "state": "available"} for r in ("network", "router")]
    return listing.respond(request, "availability_zones", items,
                           extra_filters=("resource", "state"))


# --------------------------------------------------------------------- ip availabilities


async def _availability(request: Request, network_id: str | None) -> list[dict[str, Any]]:
    na = api(request)
    na.enforce(context(request), "get_network_ip_availability")
    return await ops.ip_availability(na.db, network_id)


async def availabilities(request: Request) -> Response:
    items = await _availability(request, None)
    return listing.respond(request, "network_ip_availabilities", items,
                           extra_filters=("ip_version",))


async def availability(request: Request) -> Response:
    nid = request.path_params["network_id"]
    items = await _availability(request, nid)
    if not items:
        raise errors.not_found("Network", nid)
    return json_response({"network_ip_availability": items[0]})
