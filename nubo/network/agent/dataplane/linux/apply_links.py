"""Applies rendered link operations with pyroute2 (netlink), `bridge` for VXLAN FDB entries
and `ip netns exec sysctl` for per-namespace sysctls. Blocking: call it in a worker thread.

Every operation checks what exists first, so re-applying a list is cheap and changes nothing.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pyroute2 import IPRoute, NetlinkError, NetNS, netns
from pyroute2 import config as pyroute2_config

from nubo.network.agent.dataplane.base import DataplaneError
from nubo.network.agent.dataplane.linux.render_links import (
    Addresses,
    Bridge,
    DeleteLink,
    DeleteNetns,
    Down,
    Fdb,
    Master,
    Netns,
    NoMaster,
    Op,
    Routes,
    Sysctl,
    Tap,
    Up,
    Veth,
    Vlan,
    Vxlan,
)

# NetNS forks a child that inherits asyncio's signal wakeup fd and SIGTERM handler; closing
# it sends it SIGTERM, whose byte then lands in the parent's loop: `nubo up` stopped itself.
# With this the child resets SIGTERM to the default and just dies.
pyroute2_config.disable_mp_signal = True

ZERO_MAC = "00:00:00:00:00:00"
#: the ifalias of every bridge the dataplane made, so that `nubo host cleanup` removes a mapped
#: bridge (br-ex) only when it was ours, never one the host had before
MADE_BY = "made by nubo"


def run(cmd: Sequence[str], netns_name: str | None = None, input: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, inside a namespace when given; a failure raises DataplaneError."""
    full = ["ip", "netns", "exec", netns_name, *cmd] if netns_name else list(cmd)
    res = subprocess.run(full, input=input, capture_output=True, text=True, timeout=60)
    if check and res.returncode != 0:
        raise DataplaneError(f"{' '.join(full[:8])} failed: {res.stderr.strip()[:500]}")
    return res


def netns_exists(name: str) -> bool:
    return os.path.exists(f"/run/netns/{name}") or os.path.exists(f"/var/run/netns/{name}")


class LinkApplier:
    """Applies operations; `host_netns` names the namespace standing in for the host (None:
    the real host)."""

    def __init__(self, host_netns: str | None = None) -> None:
        self.host_netns = host_netns
        self.changes: list[str] = []    # what applying actually changed (for reconcile)
        self._open: dict[str, Any] = {}
        self._host: Any = None

    def close(self) -> None:
        if self._host is not None:
            self._host.close()
            self._host = None

    @contextmanager
    def _ipr(self, ns: str | None) -> Iterator[Any]:
        """A netlink socket into the namespace, shared by the operations of one `apply`
        (opening one into another namespace costs ~15 ms)."""
        ns = ns or self.host_netns
        if ns == self.host_netns:       # the host's socket is kept between calls
            if self._host is None:
                self._host = NetNS(ns) if ns else IPRoute()
            yield self._host
            return
        ipr = self._open.get(ns or "")
        if ipr is None:
            ipr = self._open[ns or ""] = NetNS(ns)
        yield ipr

    def apply(self, ops: Sequence[Op]) -> None:
        self._open = {}
        try:
            for op in ops:
                try:
                    self._apply(op)
                except DataplaneError:
                    raise
                except Exception as e:      # pyroute2's NetlinkError and OSError alike
                    self.close()            # a socket in an unknown state is not reused
                    raise DataplaneError(f"{op}: {e}") from e
        finally:
            for ipr in self._open.values():
                ipr.close()
            self._open = {}

    def _apply(self, op: Op) -> None:
        match op:
            case Netns(name):
                if not netns_exists(name):
                    netns.create(name)
                    self.changes.append(f"netns {name}")
            case DeleteNetns(name):
                if netns_exists(name):
                    netns.remove(name)
                    self.changes.append(f"deleted netns {name}")
            case Bridge() | Vxlan() | Vlan() | Tap() | Veth():
                self._ensure_link(op)
            case Master(ifname, master):
                with self._ipr(None) as ipr:
                    link, midx = _link(ipr, ifname), _index(ipr, master)
                    if link is None or midx is None:
                        raise DataplaneError(f"cannot put {ifname} into {master}: missing")
                    if link.get("master") != midx:
                        ipr.link("set", index=link["index"], master=midx)
                        self.changes.append(f"{ifname} into {master}")
            case NoMaster(ifname):
                with self._ipr(None) as ipr:
                    link = _link(ipr, ifname)
                    if link is not None and link.get("master"):
                        ipr.link("set", index=link["index"], master=0)
                        self.changes.append(f"{ifname} out of its bridge")
            case Down(ifname, ns):
                with self._ipr(ns) as ipr:
                    link = _link(ipr, ifname)
                    if link is None:
                        raise DataplaneError(f"no interface {ifname} to set down")
                    if link["flags"] & 1:     # IFF_UP
                        ipr.link("set", index=link["index"], state="down")
                        self.changes.append(f"{ifname} down")
            case Up(ifname, ns):
                with self._ipr(ns) as ipr:
                    link = _link(ipr, ifname)
                    if link is None:
                        raise DataplaneError(f"no interface {ifname} to bring up")
                    if not link["flags"] & 1:     # IFF_UP
                        ipr.link("set", index=link["index"], state="up")
                        self.changes.append(f"{ifname} up")
            case Addresses():
                self._addresses(op)
            case Fdb():
                self._fdb(op)
            case Routes():
                self._routes(op)
            case Sysctl(ns, key, value):
                run(["sysctl", "-q", "-w", f"{key}={value}"], ns)
            case DeleteLink(ifname, ns):
                if ns and not netns_exists(ns):
                    return
                with self._ipr(ns) as ipr:
                    idx = _index(ipr, ifname)
                    if idx is not None:
                        ipr.link("del", index=idx)
                        self.changes.append(f"deleted {ifname}")

    def _ensure_link(self, op: Bridge | Vxlan | Vlan | Tap | Veth) -> None:
        with self._ipr(None) as ipr:
            if _index(ipr, op.name) is None:
                ipr.link("add", **self._link_args(ipr, op))
                self.changes.append(f"link {op.name}")
                if isinstance(op, Bridge):
                    ipr.link("set", index=_index(ipr, op.name), ifalias=MADE_BY)
                if isinstance(op, Veth):
                    self._move_peer(ipr, op)
            elif isinstance(op, Veth) and op.peer_netns:
                with self._ipr(op.peer_netns) as nsr:
                    if _index(nsr, op.peer) is None:
                        # A half-made veth (peer lost with its namespace): make it again.
                        ipr.link("del", index=_index(ipr, op.name))
                        ipr.link("add", **self._link_args(ipr, op))
                        self._move_peer(ipr, op)
            link = _link(ipr, op.name)
            if link is None:
                raise DataplaneError(f"{op.name} vanished while it was made")
            if op.mtu and link.get("mtu") != op.mtu:
                ipr.link("set", index=link["index"], mtu=op.mtu)

    def _link_args(self, ipr: Any, op: Bridge | Vxlan | Vlan | Tap | Veth) -> dict[str, Any]:
        match op:
            case Bridge(name):
                return {"ifname": name, "kind": "bridge", "br_stp_state": 0}
            case Vxlan(name, vni, local, dev, _mtu, port):
                args: dict[str, Any] = {"ifname": name, "kind": "vxlan", "vxlan_id": vni,
                                        "vxlan_learning": 0, "vxlan_port": port}
                if local:
                    args["vxlan_local"] = local
                if dev:
                    args["vxlan_link"] = _index(ipr, dev)
                return args
            case Vlan(name, parent, vlan_id):
                return {"ifname": name, "kind": "vlan", "link": _index(ipr, parent),
                        "vlan_id": vlan_id}
            case Tap(name):
                return {"ifname": name, "kind": "tuntap", "mode": "tap"}
            case Veth(name, peer):
                return {"ifname": name, "kind": "veth", "peer": peer}
        raise AssertionError(op)

    def _move_peer(self, ipr: Any, op: Veth) -> None:
        idx = _index(ipr, op.peer)
        ipr.link("set", index=idx, net_ns_fd=op.peer_netns)
        with self._ipr(op.peer_netns) as nsr:
            pidx = _index(nsr, op.peer)
            if op.peer_mac:
                nsr.link("set", index=pidx, address=op.peer_mac)
            if op.mtu:
                nsr.link("set", index=pidx, mtu=op.mtu)

    def _addresses(self, op: Addresses) -> None:
        with self._ipr(op.netns) as ipr:
            idx = _index(ipr, op.ifname)
            if idx is None:
                raise DataplaneError(f"no interface {op.ifname} for addresses")
            have = {f"{a.get('address')}/{a['prefixlen']}" for a in ipr.get_addr(index=idx)
                    if not _keep_address(a.get("address"))}
            want = {_norm(c) for c in op.cidrs}
            for cidr in sorted(have - want):
                ip, plen = cidr.split("/")
                ipr.addr("del", index=idx, address=ip, prefixlen=int(plen))
                self.changes.append(f"removed {cidr} from {op.ifname}")
            for cidr in sorted(want - have):
                ip, plen = cidr.split("/")
                ipr.addr("add", index=idx, address=ip, prefixlen=int(plen))
                self.changes.append(f"{cidr} on {op.ifname}")
                if op.netns and ipaddress.ip_address(ip).version == 4:
                    _announce(op.netns, op.ifname, ip)

    def _fdb(self, op: Fdb) -> None:
        ns = self.host_netns
        out = run(["bridge", "-j", "fdb", "show", "dev", op.ifname], ns).stdout or "[]"
        have = {e.get("dst") for e in json.loads(out) if e.get("mac") == ZERO_MAC}
        for dst in sorted(have - set(op.remotes)):
            run(["bridge", "fdb", "del", ZERO_MAC, "dev", op.ifname, "dst", str(dst)], ns)
        for dst in sorted(set(op.remotes) - have):
            run(["bridge", "fdb", "append", ZERO_MAC, "dev", op.ifname, "dst", dst], ns)
            self.changes.append(f"fdb {op.ifname} {dst}")

    def _routes(self, op: Routes) -> None:
        with self._ipr(op.netns) as ipr:
            have = {(f"{r.get('dst') or '0.0.0.0'}/{r['dst_len']}", r.get("gateway"))
                    for r in ipr.get_routes(family=2, table=254) if r.get("gateway")}
            want = {(str(ipaddress.ip_network(d, strict=False)), gw) for d, gw in op.routes}
            for dst, gw in sorted(have - want, key=str):
                ipr.route("del", dst=dst, gateway=gw)
            for dst, gw in sorted(want - have):
                ipr.route("replace", dst=dst, gateway=gw)
                self.changes.append(f"route {dst} via {gw} in {op.netns}")


def _link(ipr: Any, ifname: str) -> Any | None:
    """The interface's link message (index, flags, master, mtu), asking the kernel for that
    one link (a lookup by name in pyroute2 dumps every link: quadratic with hundreds of
    taps). Each request costs ~1 ms of pyroute2: operations read what they need from one."""
    try:
        return ipr.link("get", ifname=ifname)[0]
    except NetlinkError as e:
        if e.code == errno.ENODEV:
            return None
        raise


def _index(ipr: Any, ifname: str) -> int | None:
    link = _link(ipr, ifname)
    return None if link is None else int(link["index"])


def _announce(ns: str, ifname: str, ip: str) -> None:
    """A gratuitous ARP for an address just added in a router or DHCP namespace, as Neutron's
    L3 agent sends for gateway and floating IPs: neighbours that cached the address as
    unreachable (or at another MAC) learn it now instead of failing their next connects.
    Best effort and not waited for (busybox arping takes a second to finish)."""
    try:
        subprocess.Popen(["ip", "netns", "exec", ns, "busybox", "arping", "-q", "-U", "-c", "1",
                          "-I", ifname, "-s", ip, ip], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        pass


def _keep_address(address: str | None) -> bool:
    """Addresses the kernel manages itself (IPv6 link-local, loopback's own) are left alone."""
    if not address:
        return True
    ip = ipaddress.ip_address(address)
    return ip.is_link_local and ip.version == 6 or ip.is_loopback


def _norm(cidr: str) -> str:
    iface = ipaddress.ip_interface(cidr)
    return f"{iface.ip}/{iface.network.prefixlen}"


def list_links(host_netns: str | None = None) -> dict[str, str | None]:
    """Interface name -> the name of its master (bridge), for the host namespace."""
    with (NetNS(host_netns) if host_netns else IPRoute()) as ipr:
        links = ipr.get_links()
        by_index = {link["index"]: str(link.get("ifname")) for link in links}
        return {str(link.get("ifname")): by_index.get(link.get("master")) for link in links}


def list_netns() -> list[str]:
    return list(netns.listnetns())
