"""The compute bus contract: what the controller may ask a compute agent (down) and what a
compute host reports (up), with their arguments and the RPC version each appeared in.

Ground floor: imported by the agent (its whitelist is `AGENT_METHODS`), by the conductor
(which calls them) and by the controller's handlers (which `bus.on` the events). Every
argument and every result is plain JSON; the shapes below are what crosses the bus.

Versions (nubo.core.bus.RPC_VERSION): 1.0 the first agent; 1.1 faults as records;
1.2 the host needs nothing but the bus and HTTP: `snapshot_to_image` replaces `snapshot`
(which took a path on the controller's disk; the conductor still falls back to it when a 1.1
host answers UnknownMethod, conductor/snapshot.py) and the host reports the events below;
since then the host also pushes its heartbeat (`compute.heartbeat`) every period, an
additive event that needs no new version: a controller ignores an event it has no handler
for, and asks the hosts that stay silent (an agent of an earlier 1.2 build) with `report`.
Volumes (`attach_volume`, `detach_volume`, `list_volume_devices`) are additive 1.2 methods
too, with no version bump: a controller only calls them for an attach asked through the API,
and an agent of an earlier 1.2 build answers UnknownMethod, which the conductor turns into a
failed attach (rolled back: the volume is available again); the reconciler skips such hosts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict


@dataclass(frozen=True)
class Method:
    """One RPC method of the compute agent: `name(**args)` -> `returns`."""

    name: str
    since: str
    args: str
    returns: str
    doc: str


def _m(name: str, since: str, args: str, returns: str, doc: str) -> Method:
    return Method(name, since, args, returns, doc)


#: Every method the agent serves (its whitelist), name -> contract. `spec` is an
#: `InstanceSpec` as plain values (virt/base.py), `vif` a `VifSpec`; a power state is one of
#: nubo.compute.states' power states (int). Failures cross as fault records (`SpawnFailed`,
#: `HostUnreachable`).
METHODS: dict[str, Method] = {m.name: m for m in (
    _m("report", "1.0", "", "ResourceReport",
       "The host's resources and availability zone (also the heartbeat's question)."),
    _m("spawn", "1.0", "spec", "int", "Start the instance (may exist); its power state."),
    _m("destroy", "1.0", "instance_id", "None",
       "Remove the instance and everything it used on the host (if_exists)."),
    _m("power_off", "1.0", "instance_id", "int", "Stop the guest; its power state."),
    _m("power_on", "1.0", "instance_id", "int", "Start the guest; its power state."),
    _m("reboot", "1.0", "instance_id, hard: bool", "int", "Reboot; its power state."),
    _m("power_state", "1.0", "instance_id", "int | None",
       "The instance's power state, None when the host does not have it."),
    _m("list_instances", "1.0", "", "list[str]", "The ids of the instances the host runs."),
    _m("pause", "1.0", "instance_id", "int", "Pause the guest; its power state."),
    _m("unpause", "1.0", "instance_id", "int", "Unpause the guest; its power state."),
    _m("suspend", "1.0", "instance_id", "int", "Save the guest's memory and stop it."),
    _m("resume", "1.0", "instance_id", "int", "Start a suspended guest again."),
    _m("rescue", "1.0", "spec, rescue_image: {id, properties...}", "int",
       "Boot from the rescue image, the instance's own disk second."),
    _m("unrescue", "1.0", "instance_id", "int", "Boot from the instance's own disk again."),
    _m("console_output", "1.0", "instance_id, length: int | None", "str",
       "The serial console log (its last `length` lines)."),
    _m("console", "1.0", "instance_id, kind: str", "{host, port} | None",
       "Where a remote console of `kind` is reachable on the host."),
    _m("attach_interface", "1.0", "instance_id, vif", "None", "Hot-plug a NIC."),
    _m("detach_interface", "1.0", "instance_id, port_id", "None", "Hot-unplug a NIC."),
    _m("get_diagnostics", "1.0", "instance_id", "dict | None",
       "What the hypervisor measures of the instance (virt/base.py)."),
    _m("attach_volume", "1.2", "instance_id, connection_info: dict, device: str", "None",
       "Hot-plug a volume (Cinder's connection_info; `local` for now) as the guest's disk "
       "at target `device` (vdb...), live and in the definition (if_not_exists). Additive."),
    _m("detach_volume", "1.2", "instance_id, device: str", "None",
       "Hot-unplug the volume disk at `device` (if_exists). Additive."),
    _m("list_volume_devices", "1.2", "instance_id", "dict[str, str] | None",
       "The instance's volume disks, target dev -> volume id; None when the host does not "
       "have the instance (the attachment reconciler's question). Additive."),
    _m("snapshot_to_image", "1.2", "instance_id, image_id", "bool",
       "Write the instance's root disk and upload it as the data of the queued image "
       "`image_id` through the image API (PUT /v2/images/{id}/file). False when the driver "
       "keeps no disk of its own (the fake): the controller then copies the image the "
       "instance booted from."),
)}

#: The agent's whitelist: nothing else can be called on it over the bus.
AGENT_METHODS: frozenset[str] = frozenset(METHODS)


# ---------------------------------------------------------------------------------- up

@dataclass(frozen=True)
class Event:
    """One kind of message a compute host reports: `bus.report(host, name, **shape)`."""

    name: str
    since: str
    doc: str


#: A guest changed power state on its own or by an operation (libvirt lifecycle event).
LIFECYCLE = Event("compute.lifecycle", "1.2",
                  "LifecycleEvent: an instance's domain changed state on the host.")
#: Every period: the instances the host runs and their power states (Nova's
#: _sync_power_states, with the hypervisor's side gathered on the host).
POWER_STATES = Event("compute.power_states", "1.2",
                     "PowerStateReport: what the host runs, id -> power state.")
#: When the agent starts: the host's resources; the controller records the host in its
#: database and placement.
RESOURCES = Event("compute.resources", "1.2",
                  "ResourceReport without `host` (the sender is the report's host): the "
                  "host's inventory and availability zone.")

#: Every period (Nova's report_interval): the host's agent is alive. No arguments; the
#: controller marks the host seen (os-services `updated_at`, up until HOST_DOWN_AFTER).
HEARTBEAT = Event("compute.heartbeat", "1.2", "No arguments: the sending host is alive.")

EVENTS: dict[str, Event] = {e.name: e for e in (LIFECYCLE, POWER_STATES, RESOURCES,
                                                HEARTBEAT)}


@dataclass(frozen=True)
class LifecycleEvent:
    instance_id: str
    event: str              # started, paused, resumed, stopped, crashed
    power_state: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> LifecycleEvent:
        return cls(str(doc["instance_id"]), str(doc.get("event") or ""),
                   int(doc["power_state"]))


@dataclass(frozen=True)
class PowerStateReport:
    #: instance id -> its power state, for every instance domain the host has
    instances: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"instances": dict(self.instances)}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> PowerStateReport:
        return cls({str(k): int(v) for k, v in (doc.get("instances") or {}).items()})


class ResourceReport(TypedDict):
    """The agent's `report()`: HostInventory's fields plus who and where."""

    host: str
    availability_zone: str
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str
    cpu_allocation_ratio: float
    ram_allocation_ratio: float
    disk_allocation_ratio: float
    reserved_memory_mb: int
