"""Nova's security group proxy onto Neutron: /os-security-groups and /os-security-group-rules
(deprecated, to microversion 2.35). Facts from nova/api/openstack/compute/security_groups.py
and nova/network/security_group_api.py: ids must be UUIDs (400), name and description
strings of at most 255 characters, rules are ingress only, TCP/UDP/ICMP with Nova's port
checks, "no ports" opens the whole range for a group rule, a Neutron conflict on delete is
a 400 and a quota overrun a 403. Groups and rules are Neutron's own rows (network/secgroups),
so the two APIs always agree.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from sqlalchemy import select

from nubo.compute import errors
from nubo.compute.service.server_secgroups import nova_group, nova_rule
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import Conflict, NotFound
from nubo.network.models_secgroups import SecurityGroup
from nubo.network.service import secgroups as sgs


def _check_id(value: Any) -> str:
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise errors.SecurityGroupIdNotUuid() from None
    return str(value)


def check_property(value: Any, name: str) -> str:
    """Nova's validate_property (utils.check_string_length, 0-255 characters)."""
    if not isinstance(value, str):
        raise errors.SecurityGroupFieldNotString(name=name)
    if len(value) > 255:
        raise errors.SecurityGroupFieldTooLong(name=name)
    return value


async def _group(s: Any, ctx: RequestContext, id_: Any) -> SecurityGroup:
    try:
        return await sgs.get_group(s, ctx, _check_id(id_))
    except NotFound:
        raise errors.SecurityGroupNotFound(security_group_id=id_) from None


def _port(value: Any, protocol: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        reason = "Type and Code must be integers for ICMP protocol type" \
            if protocol.upper() == "ICMP" else "To and From ports must be integers"
        raise errors.InvalidInput(reason=reason) from None


def ingress_rule(protocol: Any, lo: Any, hi: Any, cidr: str | None,
                 group_id: str | None) -> dict[str, Any]:
    """Nova's _new_ingress_rule, as the Neutron rule body it becomes."""
    if group_id and lo is None and hi is None and isinstance(protocol, str):
        lo, hi = {"ICMP": (-1, -1), "TCP": (1, 65535), "UDP": (1, 65535)}.get(
            protocol.upper(), (None, None))
    rule: dict[str, Any] = {"direction": "ingress", "protocol": None,
                            "remote_group_id": group_id, "remote_ip_prefix": None,
                            "ethertype": "IPv4"}
    if not group_id:
        rule["remote_ip_prefix"] = cidr
        rule["ethertype"] = f"IPv{ipaddress.ip_network(cidr or '0.0.0.0/0', strict=False).version}"
    if protocol and lo is not None and hi is not None:
        proto = str(protocol)
        lo, hi = _port(lo, proto), _port(hi, proto)
        kind = proto.upper()
        if kind not in ("TCP", "UDP", "ICMP"):
            raise errors.InvalidIpProtocol(protocol=proto)
        if kind in ("TCP", "UDP") and lo > hi:
            raise errors.InvalidPortRange(from_port=lo, to_port=hi,
                                          msg="Former value cannot be greater than the later")
        if kind in ("TCP", "UDP") and (lo < 1 or hi > 65535):
            raise errors.InvalidPortRange(from_port=lo, to_port=hi,
                                          msg=f"Valid {kind} ports should be between 1-65535")
        if kind == "ICMP" and not (-1 <= lo <= 255 and -1 <= hi <= 255):
            raise errors.InvalidPortRange(from_port=lo, to_port=hi,
                                          msg="For ICMP, the type:code must be valid")
        rule.update(protocol=proto.lower(), port_range_min=None if lo == -1 else lo,
                    port_range_max=None if hi == -1 else hi)
    elif not group_id:
        raise errors.RuleParametersMissing()
    return rule


def parse_cidr(cidr: Any) -> str:
    if not cidr:
        return "0.0.0.0/0"
    try:
        net = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        raise errors.InvalidCidr(cidr=cidr) from None
    if net.prefixlen == 0 and not net.network_address.is_unspecified:
        raise errors.InvalidCidrPrefix(cidr=cidr)
    return str(cidr)


class SecurityGroupProxy:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _render(self, s: Any, groups: list[SecurityGroup]) -> list[dict[str, Any]]:
        rules = await sgs.rules_of(s, [g.id for g in groups])
        ingress = {g: [r for r in rs if r.direction == "ingress"] for g, rs in rules.items()}
        remote_ids = {r.remote_group_id for rs in ingress.values() for r in rs
                      if r.remote_group_id}
        remotes = {g.id: g for g in (await s.execute(select(SecurityGroup).where(
            SecurityGroup.id.in_(list(remote_ids))))).scalars()} if remote_ids else {}
        return [nova_group(g, ingress[g.id], remotes) for g in groups]

    async def list(self, ctx: RequestContext, query: dict[str, str]) -> list[dict[str, Any]]:
        async with self.db.write() as s:     # Neutron makes the default group on a first look
            if ctx.project_id:
                await sgs.ensure_default_group(s, ctx.project_id)
            q = select(SecurityGroup).order_by(SecurityGroup.created_at, SecurityGroup.id)
            if not (ctx.is_admin and "all_tenants" in query):
                q = q.where(SecurityGroup.project_id == (ctx.project_id or ""))
            groups = list((await s.execute(q)).scalars())
            out = await self._render(s, groups)
        out.sort(key=lambda g: (g["tenant_id"], g["name"]))
        return out

    async def show(self, ctx: RequestContext, id_: str) -> dict[str, Any]:
        async with self.db.read() as s:
            return (await self._render(s, [await _group(s, ctx, id_)]))[0]

    async def create(self, ctx: RequestContext, name: str, description: str
                     ) -> dict[str, Any]:
        async with self.db.write() as s:
            try:
                group = await sgs.create_group(s, ctx, {"name": name,
                                                        "description": description})
            except Conflict as e:       # Nova: any Neutron 409 here is an over-quota 403
                raise errors.SecurityGroupLimitExceeded(reason=e.message) from None
            return (await self._render(s, [group]))[0]

    async def update(self, ctx: RequestContext, id_: str, name: str, description: str
                     ) -> dict[str, Any]:
        async with self.db.write() as s:
            await _group(s, ctx, id_)
            try:
                group = await sgs.update_group(s, ctx, id_, {"name": name,
                                                             "description": description})
            except Conflict as e:
                raise errors.NeutronBadRequest(reason=e.message) from None
            return (await self._render(s, [group]))[0]

    async def delete(self, ctx: RequestContext, id_: str) -> None:
        async with self.db.write() as s:
            await _group(s, ctx, id_)
            try:
                await sgs.delete_group(s, ctx, id_)
            except Conflict as e:       # in use, or the default group: Nova's Invalid
                raise errors.NeutronBadRequest(reason=e.message) from None

    async def create_rule(self, ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
        async with self.db.write() as s:
            parent = await _group(s, ctx, body.get("parent_group_id"))
            remote = None
            if body.get("group_id") is not None:
                remote = await _group(s, ctx, body["group_id"])
            cidr = None if remote else parse_cidr(body.get("cidr"))
            rule = ingress_rule(body.get("ip_protocol"), body.get("from_port"),
                                body.get("to_port"), cidr, remote.id if remote else None)
            try:
                row = await sgs.create_rule(s, ctx, {**rule, "security_group_id": parent.id})
            except Conflict as e:
                if e.code == "SecurityGroupRuleExists":
                    raise errors.SecurityGroupRuleExists(rule=parent.id) from None
                raise errors.SecurityGroupLimitExceeded(reason=e.message) from None
            return nova_rule(row, remote)

    async def delete_rule(self, ctx: RequestContext, id_: str) -> None:
        async with self.db.write() as s:
            try:
                rule = await sgs.get_rule(s, ctx, _check_id(id_))
            except NotFound:
                raise errors.SecurityGroupRuleNotFound(rule_id=id_) from None
            await sgs.delete_rule(s, ctx, rule.id)
