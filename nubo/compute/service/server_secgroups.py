"""A server's security groups: addSecurityGroup / removeSecurityGroup and
GET /servers/{id}/os-security-groups, on its ports' groups (Nova with Neutron:
nova/network/security_group_api.py add_to_instance, remove_from_instance,
get_instances_security_groups_bindings).

The groups a server is in are its ports' groups; the server view shows them from there, so a
change made through Neutron (`openstack server add security group` does that) shows too. The
names are also kept on the instance row, which is what a server without ports shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.compute.models import Instance
from nubo.compute.service.networking import nics_of, nics_of_any
from nubo.compute.service.server_view import ServerLookup
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.network import models as nm
from nubo.network.models_secgroups import SecurityGroup, SecurityGroupRule
from nubo.network.service import ports as nports


class ServerSecurityGroups:
    def __init__(self, db: Database, servers: ServerLookup) -> None:
        self.db = db
        self.servers = servers

    async def add(self, ctx: RequestContext, sid: str, name: str) -> None:
        async with self.db.write() as s:
            inst = await self.servers.load_in(s, ctx, sid)
            group = await _find(s, ctx, name)
            ports = await _ports(s, inst)
            ips = await nports.ips_of(s, [p.id for p in ports])
            have = await nports.groups_of(s, [p.id for p in ports])
            for port in ports:     # all checked before any changes (Nova stops half way)
                if not port.port_security_enabled or not ips[port.id]:
                    raise errors.SecurityGroupCannotBeApplied()
                if group.id in have[port.id]:     # Neutron refuses a duplicate in the list
                    raise errors.DuplicateSecurityGroup(group=group.id)
            for port in ports:
                await nports.update_port(s, ctx, port, {
                    "security_groups": [*have[port.id], group.id]})
            inst.security_groups = list(dict.fromkeys([*inst.security_groups, group.name]))

    async def remove(self, ctx: RequestContext, sid: str, name: str) -> None:
        async with self.db.write() as s:
            inst = await self.servers.load_in(s, ctx, sid)
            group = await _find(s, ctx, name)
            ports = await _ports(s, inst)
            have = await nports.groups_of(s, [p.id for p in ports])
            found = False
            for port in ports:
                if group.id in have[port.id]:
                    await nports.update_port(s, ctx, port, {
                        "security_groups": [g for g in have[port.id] if g != group.id]})
                    found = True
            if not found:
                raise errors.SecurityGroupNotExistsForInstance(name=name, instance_id=inst.id)
            inst.security_groups = [n for n in inst.security_groups
                                    if n not in (group.name, group.id)]

    async def list(self, ctx: RequestContext, sid: str) -> tuple[Instance, list[dict[str, Any]]]:
        """The server's groups with their ingress rules, in Nova's format."""
        inst = (await self.servers.get(ctx, sid)).instance
        async with self.db.read() as s:
            groups = (await bindings(s, [inst.id])).get(inst.id, [])
            rules = (await s.execute(select(SecurityGroupRule).where(
                SecurityGroupRule.security_group_id.in_([g.id for g in groups]),
                SecurityGroupRule.direction == "ingress").order_by(
                SecurityGroupRule.created_at, SecurityGroupRule.id))).scalars().all()
            remote_ids = {r.remote_group_id for r in rules if r.remote_group_id}
            remotes = {g.id: g for g in (await s.execute(select(SecurityGroup).where(
                SecurityGroup.id.in_(list(remote_ids))))).scalars()} if remote_ids else {}
        out = [nova_group(g, [r for r in rules if r.security_group_id == g.id], remotes)
               for g in groups]
        return inst, sorted(out, key=lambda g: (g["tenant_id"], g["name"]))


async def bindings(s: AsyncSession, instance_ids: Sequence[str]
                   ) -> dict[str, list[SecurityGroup]]:
    """instance id -> the groups of its ports (each once, in port order), for the servers
    that have ports; a server without ports is absent."""
    out: dict[str, list[SecurityGroup]] = {}
    if not instance_ids:
        return out
    rows = (await s.execute(
        select(nm.Port.device_id, nm.Port.id, SecurityGroup)
        .outerjoin(nm.PortSecurityGroup, nm.PortSecurityGroup.port_id == nm.Port.id)
        .outerjoin(SecurityGroup, SecurityGroup.id == nm.PortSecurityGroup.security_group_id)
        .where(nics_of_any(instance_ids))
        .order_by(nm.Port.created_at, nm.Port.id))).all()
    for device_id, _, group in rows:
        groups = out.setdefault(device_id, [])
        if group is not None and all(g.id != group.id for g in groups):
            groups.append(group)
    return out


async def names_by_server(db: Database, instance_ids: Sequence[str]) -> dict[str, list[str]]:
    """What the server view shows as `security_groups`: for each server with ports, its
    ports' group names (the id when a group has no name)."""
    async with db.read() as s:
        found = await bindings(s, instance_ids)
    return {i: [g.name or g.id for g in groups] for i, groups in found.items()}


async def _find(s: AsyncSession, ctx: RequestContext, name: str) -> SecurityGroup:
    """By id, then by name, in the caller's project (neutronclient's
    find_resourceid_by_name_or_id, as Nova calls it)."""
    group = await s.get(SecurityGroup, name)
    if group is not None and group.project_id == ctx.project_id:
        return group
    named = (await s.execute(select(SecurityGroup).where(
        SecurityGroup.name == name, SecurityGroup.project_id == ctx.project_id))).scalars().all()
    if len(named) > 1:
        raise errors.NoUniqueMatch(name=name)
    if not named:
        raise errors.SecurityGroupNotFoundInProject(name=name, project_id=ctx.project_id)
    return named[0]


async def _ports(s: AsyncSession, inst: Instance) -> list[nm.Port]:
    ports = list((await s.execute(select(nm.Port).where(
        nics_of(inst.id)).order_by(nm.Port.created_at, nm.Port.id))).scalars())
    if not ports:
        raise errors.InstanceHasNoPorts(instance_id=inst.id)
    return ports


def nova_group(g: SecurityGroup, rules: list[SecurityGroupRule],
               remotes: dict[str, SecurityGroup]) -> dict[str, Any]:
    """A Neutron group as Nova shows it (ingress rules only)."""
    out_rules = []
    for r in rules:
        if r.remote_group_id and r.remote_group_id not in remotes:
            continue            # its remote group is gone: Nova leaves the rule out
        out_rules.append(nova_rule(r, remotes.get(r.remote_group_id or "")))
    return {"id": g.id, "name": g.name, "description": g.description or "",
            "tenant_id": g.project_id, "rules": out_rules}


def nova_rule(r: SecurityGroupRule, remote: SecurityGroup | None) -> dict[str, Any]:
    protocol = r.protocol
    lo: int | None
    hi: int | None
    if protocol and r.port_range_min is None and r.port_range_max is None:
        whole = protocol.upper() in ("TCP", "UDP")
        lo, hi = (1, 65535) if whole else (-1, -1)
    else:
        lo, hi = r.port_range_min, r.port_range_max
    out: dict[str, Any] = {"id": r.id, "parent_group_id": r.security_group_id,
                           "ip_protocol": protocol, "from_port": lo, "to_port": hi,
                           "group": {}, "ip_range": {}}
    if remote is not None:
        out["group"] = {"name": remote.name, "tenant_id": remote.project_id}
    else:
        out["ip_range"] = {"cidr": _cidr(r.remote_ip_prefix)}
    return out


def _cidr(prefix: str | None) -> str:
    return prefix or "0.0.0.0/0"
