"""Agents (this node's DHCP, L3, metadata and Linux bridge agents, all in-process: alive while
their heartbeat is fresh, as Neutron's agent_down_time has it, and their dataplane's sync
rounds succeed, see hostsync/health.py) and network IP availabilities, as data."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.network import errors
from nubo.network import models as m
from nubo.network.service import ipam
from nubo.network.service.hostsync.health import AGENT_DOWN_SECONDS, SYNC_ERROR
from nubo.network.service.networks import ZONE

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


#: the agents of a compute host that is not the network node (Neutron's linuxbridge
#: deployment: the L2 agent on every host, DHCP, L3 and metadata on the network node)
COMPUTE_AGENTS = frozenset({BRIDGE_AGENT})


async def beat_agents(db: Database, host: str, *, tunneling_ip: str | None,
                      network_node: bool, dataplane: str) -> bool:
    """A remote host's network agent beat (rpc.py's `network_agent`): its rows exist (all
    four on the network node, the Linux bridge agent elsewhere; rows of a role it no longer
    has are removed), their heartbeat is now and the bridge agent says its `tunneling_ip` and
    dataplane. True when the host was not registered as it is now (new, or changed)."""
    wanted = [a for a in AGENTS if network_node or a[0] in COMPUTE_AGENTS]
    changed = False
    async with db.write() as s:
        rows = {a.agent_type: a for a in (await s.execute(select(m.Agent).where(
            m.Agent.host == host))).scalars()}
        now = utcnow()
        for atype, binary, topic, zone, conf in wanted:
            if atype not in rows:
                rows[atype] = m.Agent(id=str(uuid.uuid4()), agent_type=atype, binary=binary,
                                      topic=topic, host=host, availability_zone=zone,
                                      configurations=conf, description=None, started_at=now)
                s.add(rows[atype])
                changed = True
        for atype, row in rows.items():
            if atype not in {a[0] for a in wanted}:
                await s.delete(row)
                changed = True
                continue
            row.heartbeat_timestamp = now
            if atype == BRIDGE_AGENT:
                conf = {k: v for k, v in (row.configurations or {}).items()
                        if k not in ("tunneling_ip", "dataplane")}
                conf["dataplane"] = dataplane
                if tunneling_ip:
                    conf["tunneling_ip"] = tunneling_ip
                if conf != row.configurations:
                    row.configurations = conf
                    changed = True
    return changed


def alive(a: m.Agent) -> bool:
    fresh = (utcnow() - a.heartbeat_timestamp).total_seconds() < AGENT_DOWN_SECONDS
    return fresh and not (a.configurations or {}).get(SYNC_ERROR)


async def get_agent(session: AsyncSession, agent_id: str) -> m.Agent:
    row = await session.get(m.Agent, agent_id)
    if row is None:
        raise errors.AgentNotFound(id=agent_id)
    return row


async def list_agents(session: AsyncSession) -> list[m.Agent]:
    return list((await session.execute(select(m.Agent))).scalars().all())


async def update_agent(session: AsyncSession, agent_id: str, a: dict[str, Any]) -> m.Agent:
    row = await get_agent(session, agent_id)
    for k in ("admin_state_up", "description"):
        if k in a:
            setattr(row, k, a[k])
    return row


async def delete_agent(session: AsyncSession, agent_id: str) -> None:
    await session.delete(await get_agent(session, agent_id))


async def ip_availability(session: AsyncSession, network_id: str | None
                          ) -> list[dict[str, Any]]:
    """Neutron's network-ip-availabilities: per network and subnet, total and used."""
    q = select(m.Network)
    if network_id is not None:
        q = q.where(m.Network.id == network_id)
    nets = (await session.execute(q)).scalars().all()
    subs = (await session.execute(select(m.Subnet))).scalars().all()
    used = dict((await session.execute(select(m.IPAllocation.subnet_id, func.count()).group_by(
        m.IPAllocation.subnet_id))).all())
    out = []
    for n in nets:
        mine = [x for x in subs if x.network_id == n.id]
        per = [{"subnet_id": x.id, "subnet_name": x.name, "cidr": x.cidr,
                "ip_version": x.ip_version, "total_ips": ipam.pool_size(x),
                "used_ips": int(used.get(x.id, 0))} for x in mine]
        out.append({"network_id": n.id, "network_name": n.name, "project_id": n.project_id,
                    "tenant_id": n.project_id,
                    "total_ips": sum(int(p["total_ips"]) for p in per),  # type: ignore
                    "used_ips": sum(int(p["used_ips"]) for p in per),  # type: ignore
                    "subnet_ip_availability": per})
    return out
