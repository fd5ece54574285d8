"""OS::Neutron resources over the network API (in-process, as the stack's owner)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from nubo.orchestration.resources.base import Base, Ctx, Prop, ResourceFailure
from nubo.orchestration.service.cloud import Cloud, ServiceCallFailed

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


async def find(cloud: Cloud, service: str, collection: str, value: Any,
               kind: str | None = None) -> str:
    """The id of a `kind` named or identified by `value` (Heat's finder)."""
    kind = kind or collection.rstrip("s")
    text = str(value)
    if _UUID.match(text):
        try:
            await cloud.call(service, "GET", f"/{collection}/{text}")
            return text
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise
    found = await cloud.call(service, "GET", f"/{collection}?name={quote(text)}")
    key = next((k for k in found if isinstance(found[k], list)), collection)
    items = [x for x in found.get(key, []) if x.get("name") == text]
    if not items:
        raise ResourceFailure(f"Unable to find {kind} with name or id '{text}'",
                              "EntityNotFound")
    if len(items) > 1:
        raise ResourceFailure(f"Multiple {kind} matches found for name '{text}', use an ID "
                              "to be more specific.", "PhysicalResourceNameAmbiguity")
    return str(items[0]["id"])


class _Neutron(Base):
    """A Neutron resource: POST, GET, PUT, DELETE of one collection."""

    collection: ClassVar[str] = ""
    key: ClassVar[str] = ""

    async def body(self, c: Ctx) -> dict[str, Any]:
        raise NotImplementedError

    async def create(self, c: Ctx) -> str:
        out = await c.cloud.call("network", "POST", f"/{self.collection}",
                                 {self.key: await self.body(c)})
        return str(out[self.key]["id"])

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        body = await self.body(c)
        for k in self.create_only:
            body.pop(k, None)
        await c.cloud.call("network", "PUT", f"/{self.collection}/{c.physical_id}",
                           {self.key: body})

    create_only: ClassVar[tuple[str, ...]] = ()

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("network", "DELETE", f"/{self.collection}/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        if not c.physical_id:
            return {}
        try:
            shown = (await c.cloud.call("network", "GET",
                                        f"/{self.collection}/{c.physical_id}"))[self.key]
        except ServiceCallFailed:
            return {}
        return {**shown, "show": shown}


def _set(body: dict[str, Any], props: Mapping[str, Any], *names: str) -> None:
    for n in names:
        if props.get(n) is not None:
            body[n] = props[n]


class Net(_Neutron):
    type_name = "OS::Neutron::Net"
    collection, key = "networks", "network"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string", update_allowed=True),
        "admin_state_up": Prop("boolean", default=True, update_allowed=True),
        "shared": Prop("boolean", update_allowed=True),
        "port_security_enabled": Prop("boolean", update_allowed=True),
        "dns_domain": Prop("string", update_allowed=True),
        "value_specs": Prop("map", default={}, update_allowed=True),
        "tenant_id": Prop("string"), "tags": Prop("list", update_allowed=True)}
    attributes = ("name", "subnets", "status", "mtu", "admin_state_up", "tenant_id", "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        b: dict[str, Any] = {"name": p.get("name") or c.physical_name(),
                             **(p.get("value_specs") or {})}
        _set(b, p, "admin_state_up", "shared", "port_security_enabled", "dns_domain")
        return b


class Subnet(_Neutron):
    type_name = "OS::Neutron::Subnet"
    collection, key = "subnets", "subnet"
    create_only = ("network_id", "cidr", "ip_version")
    properties: ClassVar[Mapping[str, Prop]] = {
        "network": Prop("string", required=True), "network_id": Prop("string"),
        "cidr": Prop("string"), "ip_version": Prop("integer", default=4, allowed=(4, 6)),
        "name": Prop("string", update_allowed=True),
        "gateway_ip": Prop("string", update_allowed=True),
        "enable_dhcp": Prop("boolean", default=True, update_allowed=True),
        "dns_nameservers": Prop("list", default=[], update_allowed=True),
        "allocation_pools": Prop("list", update_allowed=True),
        "host_routes": Prop("list", update_allowed=True),
        "subnetpool": Prop("string"), "prefixlen": Prop("integer"),
        "ipv6_address_mode": Prop("string"), "ipv6_ra_mode": Prop("string"),
        "value_specs": Prop("map", default={}, update_allowed=True),
        "tags": Prop("list", update_allowed=True)}
    attributes = ("name", "network_id", "tenant_id", "allocation_pools", "gateway_ip",
                  "host_routes", "ip_version", "cidr", "dns_nameservers", "enable_dhcp",
                  "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        net = p.get("network") or p.get("network_id")
        b: dict[str, Any] = {"name": p.get("name") or c.physical_name(),
                             "network_id": await find(c.cloud, "network", "networks", net),
                             "ip_version": p["ip_version"], **(p.get("value_specs") or {})}
        _set(b, p, "cidr", "gateway_ip", "enable_dhcp", "dns_nameservers",
             "allocation_pools", "host_routes", "prefixlen", "ipv6_address_mode",
             "ipv6_ra_mode")
        if p.get("subnetpool"):
            b["subnetpool_id"] = await find(c.cloud, "network", "subnetpools",
                                            p["subnetpool"])
        return b


class Port(_Neutron):
    type_name = "OS::Neutron::Port"
    collection, key = "ports", "port"
    create_only = ("network_id", "mac_address")
    properties: ClassVar[Mapping[str, Prop]] = {
        "network": Prop("string", required=True), "network_id": Prop("string"),
        "name": Prop("string", update_allowed=True),
        "fixed_ips": Prop("list", update_allowed=True),
        "security_groups": Prop("list", update_allowed=True),
        "mac_address": Prop("string"),
        "admin_state_up": Prop("boolean", default=True, update_allowed=True),
        "port_security_enabled": Prop("boolean", update_allowed=True),
        "allowed_address_pairs": Prop("list", update_allowed=True),
        "device_owner": Prop("string", update_allowed=True),
        "device_id": Prop("string", update_allowed=True),
        "binding:vnic_type": Prop("string", update_allowed=True),
        "value_specs": Prop("map", default={}, update_allowed=True),
        "replacement_policy": Prop("string"), "tags": Prop("list", update_allowed=True)}
    attributes = ("name", "network_id", "fixed_ips", "mac_address", "status", "device_id",
                  "device_owner", "security_groups", "admin_state_up", "subnets", "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        net = p.get("network") or p.get("network_id")
        b: dict[str, Any] = {"name": p.get("name") or c.physical_name(),
                             "network_id": await find(c.cloud, "network", "networks", net),
                             **(p.get("value_specs") or {})}
        _set(b, p, "mac_address", "admin_state_up", "port_security_enabled",
             "allowed_address_pairs", "device_owner", "device_id", "binding:vnic_type")
        if p.get("fixed_ips") is not None:
            ips = []
            for f in p["fixed_ips"]:
                ip: dict[str, Any] = {}
                sub = f.get("subnet") or f.get("subnet_id")
                if sub:
                    ip["subnet_id"] = await find(c.cloud, "network", "subnets", sub)
                if f.get("ip_address"):
                    ip["ip_address"] = f["ip_address"]
                ips.append(ip)
            b["fixed_ips"] = ips
        if p.get("security_groups") is not None:
            b["security_groups"] = [await find(c.cloud, "network", "security-groups", g,
                                               "security_group")
                                    for g in p["security_groups"]]
        return b


class Router(_Neutron):
    type_name = "OS::Neutron::Router"
    collection, key = "routers", "router"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string", update_allowed=True),
        "external_gateway_info": Prop("map", update_allowed=True),
        "admin_state_up": Prop("boolean", default=True, update_allowed=True),
        "distributed": Prop("boolean"), "ha": Prop("boolean"),
        "value_specs": Prop("map", default={}, update_allowed=True),
        "tags": Prop("list", update_allowed=True)}
    attributes = ("name", "status", "external_gateway_info", "admin_state_up", "tenant_id",
                  "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        b: dict[str, Any] = {"name": p.get("name") or c.physical_name(),
                             **(p.get("value_specs") or {})}
        _set(b, p, "admin_state_up")
        gw = p.get("external_gateway_info")
        if gw:
            info: dict[str, Any] = {"network_id": await find(
                c.cloud, "network", "networks", gw.get("network") or gw.get("network_id"))}
            if gw.get("enable_snat") is not None:
                info["enable_snat"] = gw["enable_snat"]
            if gw.get("external_fixed_ips"):
                info["external_fixed_ips"] = gw["external_fixed_ips"]
            b["external_gateway_info"] = info
        elif "external_gateway_info" in p and c.physical_id:
            b["external_gateway_info"] = {}
        return b

    async def delete(self, c: Ctx) -> None:
        if c.physical_id:
            try:
                await c.cloud.call("network", "PUT", f"/routers/{c.physical_id}",
                                   {"router": {"external_gateway_info": {}}})
            except ServiceCallFailed as exc:
                if exc.status != 404:
                    raise
        await super().delete(c)


class RouterInterface(Base):
    type_name = "OS::Neutron::RouterInterface"
    properties: ClassVar[Mapping[str, Prop]] = {
        "router": Prop("string", required=True), "router_id": Prop("string"),
        "subnet": Prop("string"), "subnet_id": Prop("string"), "port": Prop("string"),
        "port_id": Prop("string")}

    async def create(self, c: Ctx) -> str:
        p = c.properties
        router = await find(c.cloud, "network", "routers", p.get("router") or p["router_id"])
        sub, port = p.get("subnet") or p.get("subnet_id"), p.get("port") or p.get("port_id")
        if bool(sub) == bool(port):
            raise ResourceFailure("Exactly one of subnet or port is required for a router "
                                  "interface", "PropertyUnspecifiedError")
        if sub:
            sid = await find(c.cloud, "network", "subnets", sub)
            body, ident = {"subnet_id": sid}, f"subnet_id={sid}"
        else:
            pid = await find(c.cloud, "network", "ports", port)
            body, ident = {"port_id": pid}, f"port_id={pid}"
        await c.cloud.call("network", "PUT", f"/routers/{router}/add_router_interface", body)
        return f"{router}:{ident}"

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id or ":" not in c.physical_id:
            return
        router, ident = c.physical_id.split(":", 1)
        key, value = ident.split("=", 1)
        try:
            await c.cloud.call("network", "PUT", f"/routers/{router}/remove_router_interface",
                               {key: value})
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise


class FloatingIP(_Neutron):
    type_name = "OS::Neutron::FloatingIP"
    collection, key = "floatingips", "floatingip"
    create_only = ("floating_network_id", "floating_ip_address")
    properties: ClassVar[Mapping[str, Prop]] = {
        "floating_network": Prop("string", required=True),
        "floating_network_id": Prop("string"),
        "port_id": Prop("string", update_allowed=True),
        "fixed_ip_address": Prop("string", update_allowed=True),
        "floating_ip_address": Prop("string"), "floating_subnet": Prop("string"),
        "dns_name": Prop("string"), "dns_domain": Prop("string"),
        "value_specs": Prop("map", default={})}
    attributes = ("floating_ip_address", "floating_network_id", "port_id",
                  "fixed_ip_address", "router_id", "tenant_id", "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        b: dict[str, Any] = {"floating_network_id": await find(
            c.cloud, "network", "networks", p.get("floating_network") or
            p.get("floating_network_id")), **(p.get("value_specs") or {})}
        if p.get("port_id"):
            b["port_id"] = await find(c.cloud, "network", "ports", p["port_id"])
        elif c.physical_id:
            b["port_id"] = None
        _set(b, p, "fixed_ip_address", "floating_ip_address")
        if p.get("floating_subnet"):
            b["subnet_id"] = await find(c.cloud, "network", "subnets", p["floating_subnet"])
        return b


class FloatingIPAssociation(Base):
    type_name = "OS::Neutron::FloatingIPAssociation"
    properties: ClassVar[Mapping[str, Prop]] = {
        "floatingip_id": Prop("string", required=True, update_allowed=True),
        "port_id": Prop("string", required=True, update_allowed=True),
        "fixed_ip_address": Prop("string", update_allowed=True)}

    async def _associate(self, c: Ctx) -> None:
        p = c.properties
        body: dict[str, Any] = {"port_id": await find(c.cloud, "network", "ports",
                                                      p["port_id"])}
        if p.get("fixed_ip_address"):
            body["fixed_ip_address"] = p["fixed_ip_address"]
        await c.cloud.call("network", "PUT", f"/floatingips/{p['floatingip_id']}",
                           {"floatingip": body})

    async def create(self, c: Ctx) -> str:
        await self._associate(c)
        return f"{c.properties['floatingip_id']}:{c.properties['port_id']}"

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        if old.get("floatingip_id") != c.properties["floatingip_id"]:
            await self._disassociate(c, str(old.get("floatingip_id")))
        await self._associate(c)

    async def _disassociate(self, c: Ctx, fip: str) -> None:
        try:
            await c.cloud.call("network", "PUT", f"/floatingips/{fip}",
                               {"floatingip": {"port_id": None}})
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise

    async def delete(self, c: Ctx) -> None:
        if c.physical_id:
            await self._disassociate(c, c.physical_id.split(":", 1)[0])


class SecurityGroup(_Neutron):
    type_name = "OS::Neutron::SecurityGroup"
    collection, key = "security-groups", "security_group"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string", update_allowed=True),
        "description": Prop("string", default="", update_allowed=True),
        "rules": Prop("list", default=[], update_allowed=True)}
    attributes = ("name", "description", "rules", "show")

    async def body(self, c: Ctx) -> dict[str, Any]:
        p = c.properties
        return {"name": p.get("name") or c.physical_name(),
                "description": p.get("description") or ""}

    async def create(self, c: Ctx) -> str:
        gid = await super().create(c)
        await self._rules(c, gid)
        return gid

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        await super().update(c, old)
        if old.get("rules") != c.properties.get("rules"):
            shown = await c.cloud.call("network", "GET",
                                       f"/security-groups/{c.physical_id}")
            for r in shown["security_group"].get("security_group_rules", []):
                await c.cloud.call("network", "DELETE", f"/security-group-rules/{r['id']}")
            await self._rules(c, str(c.physical_id))

    async def _rules(self, c: Ctx, gid: str) -> None:
        for r in c.properties.get("rules") or []:
            await add_rule(c.cloud, gid, r)


async def add_rule(cloud: Cloud, gid: str, r: Mapping[str, Any]) -> str | None:
    body: dict[str, Any] = {"security_group_id": gid,
                            "direction": r.get("direction", "ingress"),
                            "ethertype": r.get("ethertype", "IPv4")}
    for k in ("protocol", "port_range_min", "port_range_max", "remote_ip_prefix"):
        if r.get(k) is not None:
            body[k] = r[k]
    remote = r.get("remote_group_id") or r.get("remote_group")
    if r.get("remote_mode") == "remote_group_id":
        body["remote_group_id"] = remote or gid
        body.pop("remote_ip_prefix", None)
    elif remote:
        body["remote_group_id"] = await find(cloud, "network", "security-groups", remote,
                                             "security_group")
    try:
        out = await cloud.call("network", "POST", "/security-group-rules",
                               {"security_group_rule": body})
    except ServiceCallFailed as exc:
        if exc.status == 409:      # the same rule is there already (a default one)
            return None
        raise
    return str(out["security_group_rule"]["id"])


class SecurityGroupRule(Base):
    type_name = "OS::Neutron::SecurityGroupRule"
    properties: ClassVar[Mapping[str, Prop]] = {
        "security_group": Prop("string", required=True),
        "direction": Prop("string", default="ingress", allowed=("ingress", "egress")),
        "ethertype": Prop("string", default="IPv4", allowed=("IPv4", "IPv6")),
        "protocol": Prop("string"), "port_range_min": Prop("integer"),
        "port_range_max": Prop("integer"), "remote_ip_prefix": Prop("string"),
        "remote_group": Prop("string"), "remote_mode": Prop("string"),
        "description": Prop("string")}

    async def create(self, c: Ctx) -> str:
        gid = await find(c.cloud, "network", "security-groups",
                         c.properties["security_group"], "security_group")
        rid = await add_rule(c.cloud, gid, c.properties)
        if rid is None:
            raise ResourceFailure("Security group rule already exists", "Conflict")
        return rid

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("network", "DELETE", f"/security-group-rules/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise
