"""OS::Nova resources over the compute API: Server, KeyPair, ServerGroup."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar

from nubo.orchestration.resources.base import Base, Ctx, Prop, ResourceFailure
from nubo.orchestration.resources.neutron import find
from nubo.orchestration.service.cloud import Cloud, ServiceCallFailed


async def flavor_id(cloud: Cloud, value: Any) -> str:
    text = str(value)
    try:
        await cloud.call("compute", "GET", f"/flavors/{text}")
        return text
    except ServiceCallFailed as exc:
        if exc.status != 404:
            raise
    flavors = (await cloud.call("compute", "GET", "/flavors?is_public=None"))["flavors"]
    match = [f for f in flavors if f["name"] == text]
    if len(match) != 1:
        raise ResourceFailure(f"Unable to find flavor with name or id '{text}'"
                              if not match else f"Multiple flavor matches for '{text}'",
                              "EntityNotFound")
    return str(match[0]["id"])


async def image_id(cloud: Cloud, value: Any) -> str:
    return await find(cloud, "image", "images", value, "image")


class Server(Base):
    type_name = "OS::Nova::Server"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string", update_allowed=True),
        # image, key_name and user_data: a rebuild of the same server (Nova's rebuild with
        # 2.54's key_name and 2.57's user_data), never a silent replace
        "image": Prop("string", update_allowed=True),
        "flavor": Prop("string", required=True, update_allowed=True),
        "key_name": Prop("string", update_allowed=True), "networks": Prop("list", default=[]),
        "user_data": Prop("string", default="", update_allowed=True),
        "user_data_format": Prop("string", default="HEAT_CFNTOOLS",
                                 allowed=("HEAT_CFNTOOLS", "RAW", "SOFTWARE_CONFIG")),
        "metadata": Prop("map", default={}, update_allowed=True),
        "config_drive": Prop("boolean"), "availability_zone": Prop("string"),
        "security_groups": Prop("list", default=[]), "admin_pass": Prop("string"),
        "scheduler_hints": Prop("map"), "block_device_mapping_v2": Prop("list"),
        "block_device_mapping": Prop("list"), "flavor_update_policy": Prop(
            "string", default="RESIZE", allowed=("RESIZE", "REPLACE")),
        "image_update_policy": Prop("string", default="REBUILD"),
        "software_config_transport": Prop("string"), "personality": Prop("map"),
        "diskConfig": Prop("string"), "tags": Prop("list"),
        "deployment_swift_data": Prop("map"), "user_data_update_policy": Prop("string")}
    attributes = ("first_address", "networks", "addresses", "name", "accessIPv4",
                  "accessIPv6", "instance_name", "console_urls", "show", "os_collect_config")

    async def create(self, c: Ctx) -> str:
        p = c.properties
        if p.get("user_data_format") == "SOFTWARE_CONFIG":
            raise ResourceFailure("user_data_format SOFTWARE_CONFIG (software deployments) "
                                  "is not supported by this cloud yet", "NotSupported")
        if p.get("block_device_mapping_v2") or p.get("block_device_mapping"):
            raise ResourceFailure("block_device_mapping is not supported by this cloud's "
                                  "orchestration yet", "NotSupported")
        if not p.get("image"):
            raise ResourceFailure("Property image not assigned (booting from a volume "
                                  "comes later)", "StackValidationFailed")
        server: dict[str, Any] = {
            "name": p.get("name") or c.physical_name(),
            "imageRef": await image_id(c.cloud, p["image"]),
            "flavorRef": await flavor_id(c.cloud, p["flavor"]),
            "networks": await self._networks(c.cloud, p.get("networks") or []),
        }
        if p.get("key_name"):
            server["key_name"] = p["key_name"]
        if p.get("user_data"):
            server["user_data"] = base64.b64encode(
                (await _user_data(c)).encode()).decode()
        for k in ("metadata", "config_drive", "availability_zone"):
            if p.get(k) not in (None, {}):
                server[k] = p[k]
        if p.get("admin_pass"):
            server["adminPass"] = p["admin_pass"]
        if p.get("security_groups"):
            server["security_groups"] = [{"name": g} for g in p["security_groups"]]
        body: dict[str, Any] = {"server": server}
        if p.get("scheduler_hints"):
            body["os:scheduler_hints"] = p["scheduler_hints"]
        out = await c.cloud.call("compute", "POST", "/servers", body)
        return str(out["server"]["id"])

    @staticmethod
    async def _networks(cloud: Cloud, nets: list[Any]) -> Any:
        if not nets:
            return "auto"
        out = []
        for n in nets:
            if not isinstance(n, dict):
                raise ResourceFailure("Each of networks must be a map", "StackValidationFailed")
            e: dict[str, Any] = {}
            if n.get("port"):
                e["port"] = await find(cloud, "network", "ports", n["port"])
            elif n.get("network") or n.get("uuid"):
                e["uuid"] = await find(cloud, "network", "networks",
                                       n.get("network") or n.get("uuid"))
                if n.get("fixed_ip"):
                    e["fixed_ip"] = n["fixed_ip"]
            elif n.get("subnet"):
                sid = await find(cloud, "network", "subnets", n["subnet"])
                sub = (await cloud.call("network", "GET", f"/subnets/{sid}"))["subnet"]
                e["uuid"] = sub["network_id"]
            else:
                raise ResourceFailure("One of the properties network, port or subnet should "
                                      "be set for the specified network of server",
                                      "StackValidationFailed")
            if n.get("tag"):
                e["tag"] = n["tag"]
            out.append(e)
        return out

    async def _show(self, c: Ctx) -> dict[str, Any] | None:
        try:
            return dict((await c.cloud.call("compute", "GET",
                                             f"/servers/{c.physical_id}"))["server"])
        except ServiceCallFailed as exc:
            if exc.status == 404:
                return None
            raise

    async def check_create_complete(self, c: Ctx) -> bool:
        s = await self._show(c)
        if s is None:
            raise ResourceFailure("The server disappeared while it was being created",
                                  "ResourceInError")
        if s["status"] == "ERROR":
            fault = (s.get("fault") or {}).get("message", "Unknown")
            raise ResourceFailure(f"Went to status ERROR due to \"Message: {fault}\"",
                                  "ResourceInError")
        return bool(s["status"] == "ACTIVE")

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        p = c.properties
        if p.get("name") != old.get("name") or p.get("metadata") != old.get("metadata"):
            if p.get("name") != old.get("name"):
                await c.cloud.call("compute", "PUT", f"/servers/{c.physical_id}",
                                   {"server": {"name": p.get("name") or c.physical_name()}})
            if p.get("metadata") != old.get("metadata"):
                await c.cloud.call("compute", "PUT", f"/servers/{c.physical_id}/metadata",
                                   {"metadata": p.get("metadata") or {}})
        c.data.pop("resize", None)
        c.data.pop("rebuild", None)
        if any(p.get(k) != old.get(k) for k in ("image", "key_name", "user_data")):
            if not p.get("image"):
                raise ResourceFailure("A server without an image cannot be rebuilt",
                                      "NotSupported")
            rebuild: dict[str, Any] = {"imageRef": await image_id(c.cloud, p["image"]),
                                       "key_name": p.get("key_name") or None}
            rebuild["user_data"] = base64.b64encode(
                (await _user_data(c)).encode()).decode() if p.get("user_data") else None
            await c.cloud.call("compute", "POST", f"/servers/{c.physical_id}/action",
                               {"rebuild": rebuild})
            c.data["rebuild"] = "requested"
            if p["flavor"] != old.get("flavor"):
                c.data["then_flavor"] = p["flavor"]
            return
        if p["flavor"] != old.get("flavor"):
            fid = await flavor_id(c.cloud, p["flavor"])
            await c.cloud.call("compute", "POST", f"/servers/{c.physical_id}/action",
                               {"resize": {"flavorRef": fid}})
            c.data["resize"] = "requested"

    async def check_update_complete(self, c: Ctx) -> bool:
        if c.data.get("rebuild"):
            s = await self._show(c)
            if s is None or s["status"] == "ERROR":
                raise ResourceFailure("Rebuilding the server failed", "ResourceInError")
            if s["status"] == "REBUILD":
                c.data["rebuild"] = "started"
                return False
            if s["status"] != "ACTIVE" or (c.data["rebuild"] == "requested" and
                                           s.get("OS-EXT-STS:task_state")):
                return False
            c.data.pop("rebuild")
            flavor = c.data.pop("then_flavor", None)
            if flavor is not None:       # a flavor change too: the resize after the rebuild
                fid = await flavor_id(c.cloud, flavor)
                await c.cloud.call("compute", "POST", f"/servers/{c.physical_id}/action",
                                   {"resize": {"flavorRef": fid}})
                c.data["resize"] = "requested"
                return False
            return True
        if not c.data.get("resize"):
            return True
        s = await self._show(c)
        if s is None:
            raise ResourceFailure("The server disappeared while it was being resized",
                                  "ResourceInError")
        status = s["status"]
        if status == "ERROR":
            fault = (s.get("fault") or {}).get("message", "Unknown")
            raise ResourceFailure(f"Resizing to \"{c.properties['flavor']}\" failed, status "
                                  f"\"ERROR\": {fault}", "Error")
        if status == "VERIFY_RESIZE":
            try:
                await c.cloud.call("compute", "POST", f"/servers/{c.physical_id}/action",
                                   {"confirmResize": None})
            except ServiceCallFailed as exc:
                # confirmed meanwhile (Nova's resize_confirm_window): the next look tells
                if exc.status != 409:
                    raise
            c.data["resize"] = "confirmed"
            return False
        if status == "ACTIVE" and c.data["resize"] == "confirmed":
            c.data.pop("resize")
            return True
        return False

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("compute", "DELETE", f"/servers/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise

    async def check_delete_complete(self, c: Ctx) -> bool:
        if not c.physical_id:
            return True
        s = await self._show(c)
        if s is None or s["status"] == "DELETED":
            return True
        if s["status"] == "ERROR" and s.get("OS-EXT-STS:task_state") is None:
            # a server in error that the delete did not take: ask again
            await self.delete(c)
        return False

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        if not c.physical_id:
            return {}
        s = await self._show(c)
        if s is None:
            return {}
        addresses = s.get("addresses") or {}
        networks: dict[str, list[str]] = {}
        first = ""
        for net_name, addrs in addresses.items():
            ips = [a["addr"] for a in addrs]
            networks[net_name] = ips
            for a in addrs:
                if not first and a.get("version") == 4 and \
                        a.get("OS-EXT-IPS:type", "fixed") == "fixed":
                    first = a["addr"]
        try:
            nets = (await c.cloud.call("network", "GET", "/networks"))["networks"]
            for n in nets:
                if n["name"] in networks:
                    networks[n["id"]] = networks[n["name"]]
        except ServiceCallFailed:
            pass
        return {"first_address": first, "networks": networks, "addresses": addresses,
                "name": s.get("name"), "accessIPv4": s.get("accessIPv4", ""),
                "accessIPv6": s.get("accessIPv6", ""),
                "instance_name": s.get("OS-EXT-SRV-ATTR:instance_name"),
                "console_urls": {}, "os_collect_config": {}, "show": s}


class KeyPair(Base):
    type_name = "OS::Nova::KeyPair"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string", required=True), "public_key": Prop("string"),
        "save_private_key": Prop("boolean", default=False),
        "type": Prop("string", allowed=("ssh", "x509")), "user": Prop("string")}
    attributes = ("public_key", "private_key", "show")

    async def create(self, c: Ctx) -> str:
        p = c.properties
        kp: dict[str, Any] = {"name": p["name"]}
        if p.get("public_key"):
            kp["public_key"] = p["public_key"]
        if p.get("type"):
            kp["type"] = p["type"]
        out = (await c.cloud.call("compute", "POST", "/os-keypairs", {"keypair": kp},
                                  microversion="2.2"))["keypair"]
        c.data["public_key"] = out.get("public_key")
        if p.get("save_private_key") and out.get("private_key"):
            c.data["private_key"] = out["private_key"]
        return str(p["name"])

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("compute", "DELETE", f"/os-keypairs/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {"public_key": c.data.get("public_key"),
                "private_key": c.data.get("private_key", ""),
                "show": {"name": c.physical_id, "public_key": c.data.get("public_key")}}


class ServerGroup(Base):
    type_name = "OS::Nova::ServerGroup"
    properties: ClassVar[Mapping[str, Prop]] = {
        "name": Prop("string"), "policies": Prop("list", default=["all-members"])}
    attributes = ("show",)

    async def create(self, c: Ctx) -> str:
        p = c.properties
        body = {"server_group": {"name": p.get("name") or c.physical_name(),
                                 "policies": p.get("policies") or ["affinity"]}}
        out = await c.cloud.call("compute", "POST", "/os-server-groups", body,
                                 microversion="2.1")
        return str(out["server_group"]["id"])

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("compute", "DELETE", f"/os-server-groups/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise


async def _user_data(c: Ctx) -> str:
    """user_data as given, or the config of the stack's config resource it names by id
    (Heat's servers take a SoftwareConfig's id as their user_data)."""
    from nubo.orchestration.resources.config import config_by_id
    text = str(c.properties.get("user_data") or "")
    return await config_by_id(c, text) or text
