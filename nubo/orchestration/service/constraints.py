"""Heat's custom parameter constraints checked against the cloud before anything is created
(nova.flavor, glance.image, neutron.network ...): a value that names nothing is the
parameter's 400, as Heat's."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nubo.orchestration.errors import bad
from nubo.orchestration.resources.base import ResourceFailure
from nubo.orchestration.resources.neutron import find
from nubo.orchestration.resources.nova import flavor_id, image_id
from nubo.orchestration.service.cloud import Cloud, ServiceCallFailed
from nubo.orchestration.template.parameters import Parameter

_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


def _by_id(service: str, path: str) -> Callable[[Cloud, Any], Awaitable[Any]]:
    async def check(cloud: Cloud, v: Any) -> Any:
        return await cloud.call(service, "GET", path.format(v))
    return check


def _finder(collection: str, kind: str) -> Callable[[Cloud, Any], Awaitable[Any]]:
    async def check(cloud: Cloud, v: Any) -> Any:
        return await find(cloud, "network", collection, v, kind)
    return check


async def _vtype(cloud: Cloud, v: Any) -> Any:
    types = (await cloud.call("volume", "GET", "/types"))["volume_types"]
    if not any(str(v) in (t["id"], t["name"]) for t in types):
        raise ResourceFailure(f"The VolumeType ({v}) could not be found.")


_CLOUD: dict[str, tuple[str, Callable[[Cloud, Any], Awaitable[Any]]]] = {
    "nova.flavor": ("Flavor", flavor_id),
    "glance.image": ("Image", image_id),
    "nova.keypair": ("Key", _by_id("compute", "/os-keypairs/{}")),
    "nova.server": ("Server", _by_id("compute", "/servers/{}")),
    "neutron.network": ("Network", _finder("networks", "network")),
    "neutron.subnet": ("Subnet", _finder("subnets", "subnet")),
    "neutron.port": ("Port", _finder("ports", "port")),
    "neutron.router": ("Router", _finder("routers", "router")),
    "neutron.security_group": ("SecurityGroup", _finder("security-groups",
                                                        "security_group")),
    "cinder.volume": ("Volume", _by_id("volume", "/volumes/{}")),
    "cinder.snapshot": ("VolumeSnapshot", _by_id("volume", "/snapshots/{}")),
    "cinder.vtype": ("VolumeType", _vtype),
}


def _local(name: str, v: Any) -> str | None:
    try:
        if name == "ip_addr":
            ipaddress.ip_address(str(v))
        elif name == "net_cidr":
            ipaddress.ip_network(str(v), strict=False)
        elif name == "mac_addr" and not _MAC.match(str(v)):
            return f"{v} is not a valid MAC address"
    except ValueError as exc:
        return str(exc)
    return None


async def check(cloud: Cloud, params: Mapping[str, Parameter], values: Mapping[str, Any]
                ) -> None:
    for name, p in params.items():
        for c in p.constraints:
            kind = c.get("custom_constraint")
            v = values.get(name)
            if kind is None or v in (None, "", []):
                continue
            for item in v if isinstance(v, list) else [v]:
                problem = _local(kind, item)
                if problem is None and kind in _CLOUD:
                    what, lookup = _CLOUD[kind]
                    try:
                        await lookup(cloud, item)
                    except (ResourceFailure, ServiceCallFailed) as exc:
                        status = getattr(exc, "status", 404)
                        if status not in (400, 404) and isinstance(exc, ServiceCallFailed):
                            raise
                        problem = f"The {what} ({item}) could not be found."
                if problem is not None:
                    raise bad(f"Parameter '{name}' is invalid: Error validating value "
                              f"'{item}': {c.get('description') or problem}")
