"""Agents (this node's DHCP, L3, metadata and Linux bridge agents, all in-process: alive while
their heartbeat is fresh, as Neutron's agent_down_time has it, and their dataplane's sync
rounds succeed, see sync/health.py), availability zones, and network IP availabilities."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from nubo.core.db import Database, utcnow
from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network import models as m
from nubo.network.api import body, listing
from nubo.network.api.attrs import iso
from nubo.network.api.views.base import ZONE
from nubo.network.api.wiring import api
from nubo.network.service import ipam
from nubo.network.service.hostsync.health import AGENT_DOWN_SECONDS, SYNC_ERROR

BRIDGE_AGENT = "Linux bridge agent"
#: (agent_type, binary, topic, availability zone or None, configurations)
AGENTS: list[tuple[str, str, str, str | None, dict[str, Any]]] = [
    (BRIDGE_AGENT, "neutron-linuxbridge-agent", "N/A", None,
     {"bridge_mappings": {}, "interface_mappings": {"public": "br-ex"},
      "devices": 0, "tunnel_types": ["vxlan"]}),
    ("DHCP agent", "neutron-dhcp-agent", "dhcp_agent", ZONE,
     {"dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq", "networks": 0}),
    ("L3 agent", "neutron-l3-agent", "l3_agent", ZONE,
     {"agent_mode": "legacy", "routers": 0}),
    ("Metadata agent", "neutron-metadata-agent", "N/A", None,
     {"metadata_proxy_socket": "in-process"}),
]


async def ensure_agents(db: Database, host: str, tunneling_ip: str | None = None) -> None:
    """Register this node's agents once (idempotent, unique per type and host). The Linux
    bridge agent reports the host's VXLAN endpoint as `tunneling_ip`, as Neutron's does:
    the other hosts' dataplanes flood to it."""
    async with db.write() as s:
        have = {r[0] for r in await s.execute(select(m.Agent.agent_type).where(
            m.Agent.host == host))}
        for atype, binary, topic, zone, conf in AGENTS:
            if atype not in have:
                s.add(m.Agent(id=str(uuid.uuid4()), agent_type=atype, binary=binary,
                              topic=topic, host=host, availability_zone=zone,
                              configurations=conf, description=None))
        now = utcnow()
        for a in (await s.execute(select(m.Agent).where(m.Agent.host == host))).scalars():
            a.started_at = a.heartbeat_timestamp = now
            if a.agent_type == BRIDGE_AGENT:
                conf = {k: v for k, v in (a.configurations or {}).items()
                        if k != "tunneling_ip"}
                a.configurations = {**conf, **({"tunneling_ip": tunneling_ip}
                                               if tunneling_ip else {})}


def _alive(a: m.Agent) -> bool:
    fresh = (utcnow() - a.heartbeat_timestamp).total_seconds() < AGENT_DOWN_SECONDS
    return fresh and not (a.configurations or {}).get(SYNC_ERROR)


def _view(a: m.Agent) -> dict[str, Any]:
    return {"id": a.id, "agent_type": a.agent_type, "binary": a.binary, "topic": a.topic,
            "host": a.host, "admin_state_up": a.admin_state_up, "alive": _alive(a),
            "availability_zone": a.availability_zone, "description": a.description,
            "configurations": dict(a.configurations or {}),
            "created_at": iso(a.created_at).replace("T", " ").rstrip("Z"),  # type: ignore
            "started_at": iso(a.started_at).replace("T", " ").rstrip("Z"),  # type: ignore
            "heartbeat_timestamp": iso(a.heartbeat_timestamp).replace(  # type: ignore
                "T", " ").rstrip("Z"),
            "resources_synced": None}


async def _get(request: Request) -> m.Agent:
    na = api(request)
    na.enforce(context(request), "get_agent")
    async with na.db.read() as s:
        a = await s.get(m.Agent, request.path_params["agent_id"])
    if a is None:
        raise errors.AgentNotFound(id=request.path_params['agent_id'])
    return a


async def list_(request: Request) -> Response:
    na = api(request)
    if not na.allowed(context(request), "get_agent"):   # Neutron filters, never a 403
        return listing.respond(request, "agents", [])
    async with na.db.read() as s:
        rows = (await s.execute(select(m.Agent))).scalars().all()
    return listing.respond(request, "agents", [_view(a) for a in rows])


async def show(request: Request) -> Response:
    return json_response({"agent": _view(await _get(request))})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, "agent", ("admin_state_up", "description"))
    body.boolean(a, "admin_state_up")
    body.string(a, "description", nullable=True)
    na.enforce(ctx, "update_agent")
    async with na.db.write() as s:
        row = await s.get(m.Agent, request.path_params["agent_id"])
        if row is None:
            raise errors.AgentNotFound(id=request.path_params['agent_id'])
        for k in ("admin_state_up", "description"):
            if k in a:
                setattr(row, k, a[k])
    return json_response({"agent": _view(row)})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    na.enforce(ctx, "delete_agent")
    async with na.db.write() as s:
        row = await s.get(m.Agent, request.path_params["agent_id"])
        if row is None:
            raise errors.AgentNotFound(id=request.path_params['agent_id'])
        await s.delete(row)
    return no_content()


async def zones(request: Request) -> Response:
    items = [{"name": ZONE, "resource": r, "state": "available"} for r in ("network", "router")]
    return listing.respond(request, "availability_zones", items,
                           extra_filters=("resource", "state"))


# --------------------------------------------------------------------- ip availabilities

def _total(sub: m.Subnet) -> int:
    return ipam.pool_size(sub)


async def _availability(request: Request, network_id: str | None) -> list[dict[str, Any]]:
    na = api(request)
    na.enforce(context(request), "get_network_ip_availability")
    async with na.db.read() as s:
        q = select(m.Network)
        if network_id is not None:
            q = q.where(m.Network.id == network_id)
        nets = (await s.execute(q)).scalars().all()
        subs = (await s.execute(select(m.Subnet))).scalars().all()
        used = dict((await s.execute(select(m.IPAllocation.subnet_id, func.count()).group_by(
            m.IPAllocation.subnet_id))).all())
    out = []
    for n in nets:
        mine = [x for x in subs if x.network_id == n.id]
        per = [{"subnet_id": x.id, "subnet_name": x.name, "cidr": x.cidr,
                "ip_version": x.ip_version, "total_ips": _total(x),
                "used_ips": int(used.get(x.id, 0))} for x in mine]
        out.append({"network_id": n.id, "network_name": n.name, "project_id": n.project_id,
                    "tenant_id": n.project_id,
                    "total_ips": sum(int(p["total_ips"]) for p in per),  # type: ignore
                    "used_ips": sum(int(p["used_ips"]) for p in per),  # type: ignore
                    "subnet_ip_availability": per})
    return out


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
