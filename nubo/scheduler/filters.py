"""Host filters: each removes the hosts that cannot take the instance, and is counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class HostState:
    name: str
    provider_uuid: str
    availability_zone: str
    hypervisor_type: str
    disabled: bool = False
    down: bool = False
    #: free capacity after allocation ratios, from placement's summaries
    free: dict[str, int] = field(default_factory=dict)
    aggregate_metadata: dict[str, set[str]] = field(default_factory=dict)
    #: hosts' instances that belong to the request's server group
    group_members: int = 0


@dataclass
class RequestSpec:
    instance_id: str
    project_id: str
    user_id: str
    resources: dict[str, int]
    availability_zone: str | None = None
    image_properties: dict[str, str] = field(default_factory=dict)
    flavor_extra_specs: dict[str, str] = field(default_factory=dict)
    #: "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity" or None
    group_policy: str | None = None
    group_hosts: list[str] = field(default_factory=list)
    ignore_hosts: list[str] = field(default_factory=list)
    force_host: str | None = None


class HostFilter(Protocol):
    name: str

    def passes(self, host: HostState, spec: RequestSpec) -> bool: ...


class ComputeFilter:
    name = "ComputeFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not host.disabled and not host.down


class RetryFilter:
    name = "RetryFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.name not in spec.ignore_hosts


class ForceHostFilter:
    name = "ForceHostFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.force_host is None or host.name == spec.force_host


class AvailabilityZoneFilter:
    name = "AvailabilityZoneFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not spec.availability_zone or host.availability_zone == spec.availability_zone


class ImagePropertiesFilter:
    name = "ImagePropertiesFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        wanted = spec.image_properties.get("hypervisor_type") or spec.image_properties.get(
            "img_hv_type")
        return not wanted or wanted.lower() in (host.hypervisor_type.lower(), "qemu"
                                                if host.hypervisor_type == "kvm" else "")


class AggregateInstanceExtraSpecsFilter:
    """Flavor extra specs `aggregate_instance_extra_specs:key=value` need a host aggregate
    with that metadata."""

    name = "AggregateInstanceExtraSpecsFilter"
    PREFIX = "aggregate_instance_extra_specs:"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        for key, value in spec.flavor_extra_specs.items():
            if key.startswith(self.PREFIX):
                if value not in host.aggregate_metadata.get(key[len(self.PREFIX):], set()):
                    return False
        return True


class ServerGroupAffinityFilter:
    name = "ServerGroupAffinityFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        if spec.group_policy != "affinity" or not spec.group_hosts:
            return True
        return host.name in spec.group_hosts


class ServerGroupAntiAffinityFilter:
    name = "ServerGroupAntiAffinityFilter"

    def passes(self, host: HostState, spec: RequestSpec) -> bool:
        if spec.group_policy != "anti-affinity":
            return True
        return host.name not in spec.group_hosts


DEFAULT_FILTERS: list[Any] = [RetryFilter(), ForceHostFilter(), ComputeFilter(),
                              AvailabilityZoneFilter(), ImagePropertiesFilter(),
                              AggregateInstanceExtraSpecsFilter(), ServerGroupAffinityFilter(),
                              ServerGroupAntiAffinityFilter()]
