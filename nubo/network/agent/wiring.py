"""How a host gets its dataplane: what `--network auto` means on this machine and the Linux
dataplane's settings (roles/host.py builds it; no database code here)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from nubo.config import Settings
from nubo.network.agent.dataplane import Dataplane, get_dataplane

LOG = logging.getLogger("nubo.network.agent")
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
                         metadata_url=f"unix:{metadata_socket}", vtep_ip=settings.vtep_ip,
                         host_netns=settings.network_host_netns)
