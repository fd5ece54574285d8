"""How a node gets its dataplane: what `--network auto` means here, the Linux dataplane's
settings, the host's network agent and the controller's NetworkSync that drives it over the
bus (`nubo up` runs both on one in-process bus)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Collection
from pathlib import Path

from nubo.config import Settings
from nubo.core.bus import Bus, InProcessBus
from nubo.core.db import Database
from nubo.network.agent.dataplane import Dataplane, get_dataplane
from nubo.network.agent.manager import NetworkAgent
from nubo.network.service.hostsync.health import AgentHealth
from nubo.network.service.hostsync.loop import NetworkSync, VifEvent

LOG = logging.getLogger("nubo.network.service.hostsync")
TOOLS = ("ip", "nft", "dnsmasq")


def linux_unusable() -> str | None:
    """Why the Linux dataplane cannot run here, or None."""
    if os.geteuid() != 0:
        return "not running as root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not found"
    return None


def resolve_network(settings: Settings, virt: str) -> str:
    """`linux` or `noop`: what --network auto means on this machine. Auto picks linux only
    with real guests (--virt libvirt): fake hosts have no taps to plug."""
    if settings.network != "auto":
        return settings.network
    why = "--virt is fake" if virt != "libvirt" else linux_unusable()
    if why:
        LOG.info("--network auto: using the noop dataplane (%s)", why)
        return "noop"
    LOG.info("--network auto: using the Linux dataplane (bridges, dnsmasq, nftables)")
    return "linux"


def build_dataplane(kind: str, settings: Settings, metadata_socket: Path) -> Dataplane:
    if kind != "linux":
        return get_dataplane("noop")
    data = settings.data_dir / "network"
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o755)       # dnsmasq runs as nobody and re-reads its files
    return get_dataplane("linux", data_dir=data, bridge_mappings={"public": "br-ex"},
                         metadata_url=f"unix:{metadata_socket}", vtep_ip=settings.vtep_ip)


def build_sync(db: Database, bus: Bus, kind: str, agent: str, hosts: Collection[str],
               agent_host: str, on_vif_event: VifEvent | None) -> NetworkSync:
    """The controller's side: `agent` the host whose network agent it drives, `hosts` the
    compute hosts whose ports that agent carries, `agent_host` the host the network agents'
    rows are kept for (health.py)."""
    return NetworkSync(db, bus, agent, hosts, real=kind == "linux",
                       on_vif_event=on_vif_event if kind == "linux" else None,
                       health=AgentHealth(db, agent_host))


def local_sync(db: Database, dataplane: Dataplane, hosts: Collection[str], *, real: bool,
               on_vif_event: VifEvent | None = None, health: AgentHealth | None = None,
               bus: InProcessBus | None = None) -> tuple[NetworkSync, NetworkAgent]:
    """A NetworkSync and the network agent it drives on one in-process bus (tests, tools,
    benches): the agent of hosts[0] carries every host's ports on `dataplane`."""
    bus = bus or InProcessBus()
    names = tuple(dict.fromkeys(hosts))
    agent = NetworkAgent(names[0], dataplane, bus, hosts=names)
    bus.register(agent.address, agent)
    sync = NetworkSync(db, bus, names[0], names, real=real, on_vif_event=on_vif_event,
                       health=health)
    sync.listen()
    return sync, agent
