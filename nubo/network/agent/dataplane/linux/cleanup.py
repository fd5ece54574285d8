"""Remove everything the Linux dataplane of one data dir made on the host (`nubo host cleanup`).

Ownership is by the data dir, never by a name pattern alone: the networks, routers and ports
its database records (their names come from the dataplane's `names` module, as reconcile and
the e2e teardown name them) and the dnsmasq and metadata-proxy pid files under
DATA_DIR/network. Then: its processes stop, its qdhcp-/qrouter- namespaces go (their NAT tables
with them), the taps of its ports and any tap left on one of its bridges, its vxlan- links and
brq bridges, the `nubo` nft tables of the host, and a mapped bridge (br-ex) only when the
dataplane made it (its ifalias says so, see apply_links.MADE_BY).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyroute2 import IPRoute, NetNS

from nubo.network import names
from nubo.network.agent.dataplane.base import DataplaneError, ReconcileReport
from nubo.network.agent.dataplane.linux.apply_links import MADE_BY, list_netns
from nubo.network.agent.dataplane.linux.driver import LinuxConfig, LinuxDataplane
from nubo.network.agent.dataplane.linux.procs import delete_nft_table, run
from nubo.network.agent.dataplane.linux.reconcile import _remove_procs
from nubo.network.agent.dataplane.linux.render_links import DeleteLink, DeleteNetns


@dataclass
class Owned:
    """What one data dir's cloud made: network id -> VXLAN VNI (None: no VXLAN), routers,
    ports."""

    networks: dict[str, int | None] = field(default_factory=dict)
    routers: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)

    def add_files(self, network_dir: Path) -> None:
        """What the pid files under DATA_DIR/network name (a database lost or elsewhere)."""
        dhcp = network_dir / "dhcp"
        for d in dhcp.iterdir() if dhcp.is_dir() else []:
            self.networks.setdefault(d.name, None)
        meta = network_dir / "metadata"
        for pid in meta.glob("*.pid") if meta.is_dir() else []:
            kind, _, rid = pid.stem.partition("-")
            if kind == "router":
                self.routers.add(rid)
            elif kind == "network":
                self.networks.setdefault(rid, None)


def _links(host_netns: str | None) -> list[tuple[str, str | None, str | None]]:
    """(name, master's name, ifalias) of every link of the host."""
    with (NetNS(host_netns) if host_netns else IPRoute()) as ipr:
        links = ipr.get_links()
        by_index = {link["index"]: str(link.get("ifname")) for link in links}
        return [(str(link.get("ifname")), by_index.get(link.get("master")),
                 link.get_attr("IFLA_IFALIAS")) for link in links]


def clean_dataplane(network_dir: Path, owned: Owned, host_netns: str | None = None,
                    bridge_mappings: tuple[str, ...] = ("br-ex",),
                    nft_table: str = "nubo") -> list[str]:
    """Remove what `owned` names; returns what was removed (nothing else is touched)."""
    dp = LinuxDataplane(LinuxConfig(data_dir=network_dir, host_netns=host_netns))
    report = ReconcileReport()
    _remove_procs(dp, set(), report)            # every dnsmasq and proxy of this data dir
    removed = list(report.removed)
    spaces = {names.dhcp_ns(n) for n in owned.networks} | \
        {names.router_ns(r) for r in owned.routers}
    stale = sorted(spaces & set(list_netns()))
    dp.links.apply([DeleteNetns(ns) for ns in stale])
    removed += stale
    bridges = {names.bridge_name(n) for n in owned.networks}
    taps = {names.tap_name(p) for p in owned.ports}
    vxlans = {names.vxlan_name(v) for v in owned.networks.values() if v is not None}
    mapped = {name for name, _, alias in _links(host_netns)
              if name in bridge_mappings and alias == MADE_BY}
    doomed = [name for name, master, _ in _links(host_netns)
              if name in taps | vxlans | bridges | mapped
              or (name.startswith(names.TAP_PREFIX) and master in bridges | mapped)]
    doomed.sort(key=lambda n: not n.startswith(names.TAP_PREFIX))   # ports before bridges
    for name in doomed:
        try:
            dp.links.apply([DeleteLink(name)])
        except DataplaneError:
            # a DHCP or router port's tap goes by itself once the kernel has finished
            # removing its namespace (the veth's other end): gone is what was wanted
            if name in {n for n, _, _ in _links(host_netns)}:
                raise
    removed += doomed
    have = run(["nft", "list", "tables"], host_netns, check=False).stdout.split("\n")
    for family in ("bridge", "inet"):
        if f"table {family} {nft_table}" in have:
            delete_nft_table(family, nft_table, host_netns)
            removed.append(f"nft table {family} {nft_table}")
    return removed
