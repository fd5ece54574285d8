"""The Linux dataplane on the real kernel: bridges, veths, VXLAN, namespaces, nftables,
dnsmasq and the metadata proxy.

Every test runs its dataplane with `host_netns` set to a fresh namespace standing in for the
host, so the machine's own links and nft tables are never touched. Guests are namespaces with
a veth whose host end is the port's tap. Names carry a random tag; the `lab` fixture removes
every namespace with that tag or made by the dataplane, and every process it started, even
when the test fails.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import secrets
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from nubo.network import names
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    AddressPair,
    DesiredState,
    FixedIp,
    FloatingSpec,
    HostSpec,
    NetworkSpec,
    PortSpec,
    RouterGatewaySpec,
    RouterInterfaceSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SubnetSpec,
)
from nubo.network.agent.dataplane.linux.apply_links import list_netns
from nubo.network.agent.dataplane.linux.driver import LinuxConfig, LinuxDataplane
from nubo.network.agent.dataplane.linux.procs import read_pid
from tests.install import need_tools

TOOLS = ("ip", "bridge", "nft", "dnsmasq", "busybox", "ping", "setsid")
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0,
                       reason="needs root: creates namespaces, bridges and nft tables"),
]


@pytest.fixture(autouse=True)
def _tools() -> None:
    need_tools(*TOOLS)     # scripts/lib.sh RUNTIME_PKGS


UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    set -- $staticroutes            # option 121: "dest/len gateway" pairs
    while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    echo "$ip" > "$LEASE_OUT"
    ;;
esac
exit 0
"""


def sh(*cmd: str, ns: str | None = None, check: bool = True,
       timeout: float = 20) -> subprocess.CompletedProcess[str]:
    full = ["ip", "netns", "exec", ns, *cmd] if ns else list(cmd)
    res = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"{full} failed: {res.stdout}{res.stderr}")
    return res


def pings(src_ns: str, dst: str, count: int = 2) -> bool:
    return sh("ping", "-c", str(count), "-i", "0.2", "-W", "1", dst, ns=src_ns,
              check=False).returncode == 0


def fetch_metadata(guest: str) -> dict[str, str]:
    """GET the metadata URL from a guest: the stand-in service answers with its headers."""
    got = sh("busybox", "wget", "-q", "-O", "-", "http://169.254.169.254/latest/meta-data/",
             ns=guest).stdout
    return {k.lower(): v for k, v in json.loads(got).items()}


@dataclass
class Lab:
    tag: str
    dir: Path
    dataplanes: list[LinuxDataplane] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)

    def id(self, kind: str) -> str:
        """A resource id whose first 11 characters are unique to this run and kind."""
        return f"{kind[:2]}{self.tag}{secrets.token_hex(14)}"

    def netns(self, role: str) -> str:
        name = f"nt{self.tag}-{role}"
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "link", "set", "lo", "up", ns=name)
        return name

    def dataplane(self, host: str, data_dir: Path | None = None,
                  **kw: object) -> LinuxDataplane:
        cfg = LinuxConfig(data_dir=data_dir or self.dir / host, host_netns=host,
                          metadata_url=f"unix:{self.dir / 'metadata.sock'}", **kw)  # type: ignore[arg-type]
        dp = LinuxDataplane(cfg)
        self.dataplanes.append(dp)
        return dp

    def guest(self, host: str, port: PortSpec, role: str,
              address: str | None = None, gateway: str | None = None) -> str:
        """A namespace standing in for a VM: eth0 with the port's MAC, its peer the tap."""
        ns = self.netns(role)
        tap = names.tap_name(port.id)
        sh("ip", "-n", host, "link", "add", tap, "type", "veth", "peer", "name", "eth0",
           "netns", ns)
        sh("ip", "link", "set", "eth0", "address", port.mac_address, "up", ns=ns)
        if address:
            sh("ip", "addr", "add", address, "dev", "eth0", ns=ns)
        if gateway:
            sh("ip", "route", "add", "default", "via", gateway, ns=ns)
        return ns

    def dhcp(self, ns: str) -> str:
        """Run busybox udhcpc in the guest; returns the address it was given."""
        script = self.dir / "udhcpc.sh"
        script.write_text(UDHCPC_SCRIPT)
        script.chmod(0o755)
        out = self.dir / f"lease-{ns}"
        sh("env", f"LEASE_OUT={out}", "busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-O", "121",
           "-t", "6", "-T", "1", "-s", str(script), ns=ns, timeout=30)
        return out.read_text().strip()

    def cleanup(self) -> None:
        for dp in self.dataplanes:
            for pid_file, name in [
                    *((f, str(dp.cfg.data_dir)) for f in dp.cfg.data_dir.glob("metadata/*.pid")),
                    *((f, str(f.parent)) for f in dp.dhcp_root.glob("*/pid"))]:
                pid = read_pid(pid_file, name)
                if pid:
                    os.kill(pid, 9)
            if not dp.dhcp_root.is_relative_to(self.dir):   # a runtime dir under /run
                shutil.rmtree(dp.dhcp_root.parent, ignore_errors=True)
            self.namespaces += sorted(dp.namespaces)
        for ns in set(self.namespaces) | {n for n in list_netns() if self.tag in n}:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    tag = secrets.token_hex(3)
    d = Path("/tmp") / f"nubo-dp-{tag}"     # short: Unix socket paths hold 107 bytes
    d.mkdir()
    os.chmod(d, 0o755)
    lab = Lab(tag, d)
    try:
        yield lab
    finally:
        lab.cleanup()
        shutil.rmtree(d, ignore_errors=True)


def mac(n: int) -> str:
    return f"fa:16:3e:00:{n // 256:02x}:{n % 256:02x}"


def local_net(lab: Lab, cidr: str, gateway: str | None = None) -> tuple[NetworkSpec, str]:
    sid = lab.id("su")
    net = NetworkSpec(lab.id("ne"), "local", mtu=1500,
                      subnets=(SubnetSpec(sid, cidr, gateway, True, ("192.0.2.53",)),))
    return net, sid


ALLOW_EGRESS = (SecurityGroupRuleSpec("e4", "egress", "IPv4"),)
ICMP_IN = SecurityGroupRuleSpec("icmp", "ingress", "IPv4", "icmp")


async def test_dhcp_ping_security_groups_and_spoofing(lab: Lab, metadata_service: Path) -> None:
    host = lab.netns("host")
    dp = lab.dataplane(host)
    net, sid = local_net(lab, "10.20.0.0/24")
    sg = lab.id("sg")
    dhcp = PortSpec(lab.id("dh"), net.id, mac(1), (FixedIp(sid, "10.20.0.2"),), DHCP_OWNER)
    a = PortSpec(lab.id("pa"), net.id, mac(2), (FixedIp(sid, "10.20.0.11"),),
                 "compute:nova", (sg,))
    b = PortSpec(lab.id("pb"), net.id, mac(3), (FixedIp(sid, "10.20.0.12"),),
                 "compute:nova", (sg,))
    ports = [dhcp, a, b]
    await dp.ensure_network(net)
    await dp.apply_security_groups(ports, [SecurityGroupSpec(sg, ALLOW_EGRESS)])
    await dp.ensure_dhcp(net, ports)
    ga, gb = lab.guest(host, a, "a"), lab.guest(host, b, "b")
    assert await dp.plug_port(a) == names.tap_name(a.id)
    await dp.plug_port(b)

    assert lab.dhcp(ga) == "10.20.0.11"         # the address the API shows, from dnsmasq
    assert lab.dhcp(gb) == "10.20.0.12"
    assert not pings(ga, "10.20.0.12")          # no ICMP ingress rule: blocked

    # No router: option 121 routes 169.254.169.254 via the DHCP port, whose namespace runs
    # the metadata proxy, naming the network.
    assert "169.254.169.254 via 10.20.0.2" in sh("ip", "route", ns=ga).stdout
    headers = fetch_metadata(ga)
    assert headers["x-forwarded-for"] == "10.20.0.11"
    assert headers["x-neutron-network-id"] == net.id

    await dp.apply_security_groups(ports, [SecurityGroupSpec(sg, (*ALLOW_EGRESS, ICMP_IN))])
    assert pings(ga, "10.20.0.12")
    assert pings(gb, "10.20.0.11")

    # A source address that is not the port's is dropped (IP and ARP alike) until it becomes
    # an allowed address pair of the port.
    sh("ip", "addr", "flush", "dev", "eth0", ns=ga)
    sh("ip", "addr", "add", "10.20.0.99/24", "dev", "eth0", ns=ga)
    assert "10.20.0.99/24" in sh("ip", "-br", "addr", "show", "eth0", ns=ga).stdout
    assert not pings(ga, "10.20.0.12")
    a_pair = replace(a, allowed_address_pairs=(AddressPair("10.20.0.99"),))
    await dp.apply_security_groups([dhcp, a_pair, b],
                                   [SecurityGroupSpec(sg, (*ALLOW_EGRESS, ICMP_IN))])
    assert pings(ga, "10.20.0.12")

    # dnsmasq serves what it is told: a changed hosts file is reloaded, not restarted.
    dns_dir = dp.cfg.data_dir / "dhcp" / net.id
    pid = read_pid(dns_dir / "pid", str(dns_dir))
    c = PortSpec(lab.id("pc"), net.id, mac(4), (FixedIp(sid, "10.20.0.13"),), "compute:nova")
    await dp.ensure_dhcp(net, [*ports, c])
    assert read_pid(dns_dir / "pid", str(dns_dir)) == pid
    assert "10.20.0.13" in (dns_dir / "host").read_text()


async def test_two_networks_with_the_same_cidr_are_isolated(lab: Lab) -> None:
    host = lab.netns("host")
    dp = lab.dataplane(host)
    (n1, s1), (n2, s2) = local_net(lab, "10.30.0.0/24"), local_net(lab, "10.30.0.0/24")
    p1 = PortSpec(lab.id("p1"), n1.id, mac(1), (FixedIp(s1, "10.30.0.5"),),
                  port_security_enabled=False)
    p2 = PortSpec(lab.id("p2"), n2.id, mac(2), (FixedIp(s2, "10.30.0.6"),),
                  port_security_enabled=False)
    p3 = PortSpec(lab.id("p3"), n1.id, mac(3), (FixedIp(s1, "10.30.0.7"),),
                  port_security_enabled=False)
    for n in (n1, n2):
        await dp.ensure_network(n)
    guests = {}
    for p, role in ((p1, "a"), (p2, "b"), (p3, "c")):
        guests[role] = lab.guest(host, p, role, f"{p.fixed_ips[0].ip_address}/24")
        await dp.plug_port(p)
    await dp.apply_security_groups([p1, p2, p3], [])
    assert pings(guests["a"], "10.30.0.7")      # same network: reachable
    assert not pings(guests["a"], "10.30.0.6")  # same CIDR on another network: not


class _Echo(http.server.BaseHTTPRequestHandler):
    """The stand-in metadata service: answers with the headers the proxy added."""

    def do_GET(self) -> None:
        body = json.dumps({k: v for k, v in self.headers.items()
                           if k.lower().startswith(("x-", "host"))}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self) -> str:
        return "unix"

    def log_message(self, *args: object) -> None:
        return None


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def metadata_service(lab: Lab) -> Iterator[Path]:
    sock = lab.dir / "metadata.sock"
    server = _UnixServer(str(sock), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sock
    finally:
        server.shutdown()
        server.server_close()


async def routed_guest(lab: Lab, n: int, scope: str | None = None
                       ) -> tuple[str, Any, str, str, str]:
    """A host with br-ex (172.24.4.0/24), a guest 10.<n>.0.5 on a local network, a router
    between them (gateway address 172.24.4.10) and an "outside" namespace 172.24.4.100 on
    br-ex with no route back to 10.<n>.0.0/24, so only SNAT gets replies home. `scope`: the
    address scope of both the external and the guest's subnet.
    Returns (host, dataplane, router id, guest, outside)."""
    host = lab.netns("host")
    dp = lab.dataplane(host)
    ext_sid = lab.id("su")
    ext = NetworkSpec(lab.id("ex"), "flat", None, "public", 1500,
                      (SubnetSpec(ext_sid, "172.24.4.0/24", "172.24.4.1", False),),
                      external=True)
    net, sid = local_net(lab, f"10.{n}.0.0/24", f"10.{n}.0.1")
    vm = PortSpec(lab.id("vm"), net.id, mac(5), (FixedIp(sid, f"10.{n}.0.5"),),
                  port_security_enabled=False)
    rid = lab.id("ro")
    router = RouterSpec(rid, RouterGatewaySpec(lab.id("gw"), ext.id, "172.24.4.0/24",
                                               "172.24.4.10", "172.24.4.1",
                                               address_scope=scope),
                        (RouterInterfaceSpec(lab.id("qr"), net.id, f"10.{n}.0.0/24", f"10.{n}.0.1",
                                             mac(6), address_scope=scope),))
    await dp.ensure_network(ext)
    await dp.ensure_network(net)
    guest = lab.guest(host, vm, "vm", f"10.{n}.0.5/24", f"10.{n}.0.1")
    await dp.plug_port(vm)
    await dp.ensure_router(router)
    outside = lab.netns("out")
    sh("ip", "-n", host, "link", "add", "vout", "type", "veth", "peer", "name", "eth0",
       "netns", outside)
    sh("ip", "-n", host, "link", "set", "vout", "master", "br-ex", "up")
    sh("ip", "addr", "add", "172.24.4.100/24", "dev", "eth0", ns=outside)
    sh("ip", "link", "set", "eth0", "up", ns=outside)
    return host, dp, rid, guest, outside


async def test_router_snat_floating_ip_and_metadata(lab: Lab, metadata_service: Path) -> None:
    host, dp, rid, guest, outside = await routed_guest(lab, 40)
    assert sh("ip", "-br", "addr", "show", "br-ex", ns=host).stdout.count("172.24.4.1/24")

    assert pings(guest, "172.24.4.100")             # SNAT to the gateway address
    assert not pings(outside, "172.24.4.20")        # no floating IP yet
    await dp.set_floating_ips(rid, [FloatingSpec("172.24.4.20", "10.40.0.5", rid)])
    assert pings(outside, "172.24.4.20")            # DNAT to the guest
    assert pings(host, "172.24.4.20")               # the host reaches it through br-ex

    headers = fetch_metadata(guest)
    assert headers["x-forwarded-for"] == "10.40.0.5"
    assert headers["x-neutron-router-id"] == rid

    await dp.set_floating_ips(rid, [])
    assert not pings(outside, "172.24.4.20")
    await dp.delete_router(rid)
    assert names.router_ns(rid) not in list_netns()


async def test_router_routes_its_address_scope_without_snat(lab: Lab) -> None:
    """Neutron's address scopes: the guest's subnet is in the external subnet's scope, so
    the router forwards its traffic with the guest's own address (no SNAT): the outside
    answers only once it has a route back to the guest's subnet."""
    host, dp, rid, guest, outside = await routed_guest(lab, 41, scope="scope-1")
    assert not pings(guest, "172.24.4.100")         # not NATed: no way back yet
    sh("ip", "route", "add", "10.41.0.0/24", "via", "172.24.4.10", ns=outside)
    assert pings(guest, "172.24.4.100")             # routed, source 10.41.0.5 kept
    await dp.delete_router(rid)
    assert names.router_ns(rid) not in list_netns()


async def test_vxlan_between_two_hosts(lab: Lab) -> None:
    ha, hb = lab.netns("ha"), lab.netns("hb")
    sh("ip", "-n", ha, "link", "add", "under", "type", "veth", "peer", "name", "under",
       "netns", hb)
    for h, ip in ((ha, "192.168.77.1/24"), (hb, "192.168.77.2/24")):
        sh("ip", "addr", "add", ip, "dev", "under", ns=h)
        sh("ip", "link", "set", "under", "up", ns=h)
    dpa = lab.dataplane(ha, vtep_ip="192.168.77.1", vtep_dev="under")
    dpb = lab.dataplane(hb, vtep_ip="192.168.77.2", vtep_dev="under")
    hosts = [HostSpec("a", "192.168.77.1"), HostSpec("b", "192.168.77.2")]
    net = NetworkSpec(lab.id("ne"), "vxlan", 4000 + secrets.randbelow(10000), mtu=1450)
    pa = PortSpec(lab.id("pa"), net.id, mac(1), port_security_enabled=False)
    pb = PortSpec(lab.id("pb"), net.id, mac(2), port_security_enabled=False)
    guests = []
    for dp, h, p, ip in ((dpa, ha, pa, "10.50.0.1/24"), (dpb, hb, pb, "10.50.0.2/24")):
        await dp.set_hosts(hosts)
        await dp.ensure_network(net)
        guests.append(lab.guest(h, p, h[-2:] + "g", ip))
        await dp.plug_port(p)
    fdb = sh("bridge", "fdb", "show", "dev", names.vxlan_name(net.segmentation_id or 0),
             ns=ha).stdout
    assert "00:00:00:00:00:00 dst 192.168.77.2" in fdb
    assert "192.168.77.1" not in fdb                # never floods to itself
    assert pings(guests[0], "10.50.0.2")


async def test_reconcile_repairs_drift_and_removes_leftovers(lab: Lab) -> None:
    host = lab.netns("host")
    dp = lab.dataplane(host)
    net, sid = local_net(lab, "10.60.0.0/24")
    dhcp = PortSpec(lab.id("dh"), net.id, mac(1), (FixedIp(sid, "10.60.0.2"),), DHCP_OWNER)
    vm = PortSpec(lab.id("vm"), net.id, mac(2), (FixedIp(sid, "10.60.0.3"),), "compute:nova")
    desired = DesiredState(networks=(net,), ports=(dhcp, vm))
    first = await dp.reconcile(desired)
    assert not first.errors, first.errors
    assert first.repaired
    again = await dp.reconcile(desired)
    assert (again.repaired, again.removed, again.errors) == ([], [], [])

    bridge, tap = names.bridge_name(net.id), names.tap_name(vm.id)
    sh("ip", "link", "set", tap, "down", ns=host)           # drift
    dns_dir = dp.cfg.data_dir / "dhcp" / net.id
    os.kill(read_pid(dns_dir / "pid", str(dns_dir)) or 0, 9)
    proxy_pid = dp.cfg.data_dir / "metadata" / f"network-{net.id}.pid"
    proxy_tag = f"--pid-file={proxy_pid}"
    os.kill(read_pid(proxy_pid, proxy_tag) or 0, 9)
    fixed = await dp.reconcile(desired)
    assert f"{tap} up" in fixed.repaired
    assert f"dhcp {net.id}: started started" in fixed.repaired, fixed.repaired
    assert read_pid(dns_dir / "pid", str(dns_dir))
    assert read_pid(proxy_pid, proxy_tag)

    gone = await dp.reconcile(DesiredState())
    assert bridge in gone.removed and tap in gone.removed
    assert names.dhcp_ns(net.id) not in list_netns()
    assert read_pid(dns_dir / "pid", str(dns_dir)) is None
    assert read_pid(proxy_pid, proxy_tag) is None
    links = sh("ip", "-br", "link", ns=host).stdout
    assert bridge not in links and tap not in links


def ruleset(ns: str) -> dict[str, Any]:
    """The live nftables ruleset of a namespace: chains' rules in order, sets' elements."""
    out: dict[str, Any] = {}
    for item in json.loads(sh("nft", "-j", "list", "ruleset", ns=ns).stdout)["nftables"]:
        (kind, body), = item.items()
        if kind == "chain":
            out.setdefault(f"{body['family']} {body['name']}", [])
        elif kind == "rule":
            out.setdefault(f"{body['family']} {body['chain']}", []).append(body["expr"])
        elif kind == "set":
            out[f"{body['family']} set {body['name']}"] = sorted(
                json.dumps(e, sort_keys=True) for e in body.get("elem", []))
    return out


async def test_filter_changes_go_as_deltas_and_give_the_whole_ruleset(lab: Lab) -> None:
    """Each change after the first sends only what differs; the kernel then holds what the
    whole document gives (applied in another namespace), and a ruleset changed behind the
    dataplane's back is replaced whole."""
    from nubo.network.agent.dataplane.linux.procs import apply_nft
    from nubo.network.agent.dataplane.linux.render_nft import render_filter
    host, ref = lab.netns("host"), lab.netns("ref")
    dp = lab.dataplane(host)
    net, sid = local_net(lab, "10.70.0.0/24")
    sg = lab.id("sg")
    web = SecurityGroupSpec(sg, (*ALLOW_EGRESS, SecurityGroupRuleSpec(
        "rg", "ingress", "IPv4", remote_group_id=sg)))
    vms = [PortSpec(lab.id("vm"), net.id, mac(n), (FixedIp(sid, f"10.70.0.{n}"),),
                    "compute:nova", (sg,)) for n in range(10, 16)]
    sent: list[dict[str, Any]] = []
    import nubo.network.agent.dataplane.linux.driver as driver
    real_apply = driver.apply_nft

    def spy(doc: dict[str, Any], netns: str | None = None) -> None:
        sent.append(doc)
        real_apply(doc, netns)
    driver.apply_nft = spy  # type: ignore[assignment]
    try:
        paired = [replace(vms[1], allowed_address_pairs=(AddressPair("10.70.1.0/28"),)),
                  *vms[2:6]]        # an existing port's concatenated interval set changes
        steps = [(vms[:3], [web]), (vms[:6], [web]), (vms[1:6], [web]), (paired, [web]),
                 (paired, [SecurityGroupSpec(sg, (*ALLOW_EGRESS, ICMP_IN))]), ([], [])]
        for i, (ports, groups) in enumerate(steps):
            await dp.apply_security_groups(ports, groups)
            apply_nft(render_filter(ports, groups), ref)
            assert ruleset(host) == ruleset(ref), f"step {i}"
            tables = [c for c in sent[-1]["nftables"] if "table" in next(iter(c.values()))]
            assert bool(tables) == (i == 0), f"step {i}: whole document {bool(tables)}"
        sh("nft", "delete", "table", "inet", "nubo", ns=host)           # drift
        await dp.apply_security_groups(vms[:2], [web])
        apply_nft(render_filter(vms[:2], [web]), ref)
        assert ruleset(host) == ruleset(ref)
        assert len(sent) == 8       # the refused delta, then the whole document
    finally:
        driver.apply_nft = real_apply  # type: ignore[assignment]


DUMP_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew) echo "ip=$ip router=$router ntpsrv=$ntpsrv bootfile=$boot_file" > "$LEASE_OUT" ;;
esac
exit 0
"""


def dhcp_answer(lab: Lab, ns: str) -> str:
    """What udhcpc was told (address, router, NTP server, boot file), without configuring."""
    script = lab.dir / "dump.sh"
    script.write_text(DUMP_SCRIPT)
    script.chmod(0o755)
    out = lab.dir / f"answer-{ns}"
    sh("env", f"LEASE_OUT={out}", "busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-O",
       "ntpsrv", "-t", "6", "-T", "1", "-s", str(script), ns=ns, timeout=30)
    return out.read_text().strip()


async def test_extra_dhcp_options_reach_only_their_port(lab: Lab) -> None:
    from nubo.network.agent.dataplane.base import DhcpOption
    host = lab.netns("host")
    dp = lab.dataplane(host)
    net, sid = local_net(lab, "10.21.0.0/24", "10.21.0.1")
    dhcp = PortSpec(lab.id("dh"), net.id, mac(1), (FixedIp(sid, "10.21.0.2"),), DHCP_OWNER)
    a = PortSpec(lab.id("pa"), net.id, mac(2), (FixedIp(sid, "10.21.0.11"),),
                 port_security_enabled=False,
                 extra_dhcp_opts=(DhcpOption("ntp-server", "192.0.2.123"),
                                  DhcpOption("router", "10.21.0.254"),
                                  DhcpOption("67", "pxelinux.0")))
    b = PortSpec(lab.id("pb"), net.id, mac(3), (FixedIp(sid, "10.21.0.12"),),
                 port_security_enabled=False)
    await dp.ensure_network(net)
    ga, gb = lab.guest(host, a, "a"), lab.guest(host, b, "b")
    for p in (a, b):
        await dp.plug_port(p)
    await dp.apply_security_groups([dhcp, a, b], [])
    await dp.ensure_dhcp(net, [dhcp, a, b])
    got_a = dhcp_answer(lab, ga)
    assert "ip=10.21.0.11" in got_a and "ntpsrv=192.0.2.123" in got_a, got_a
    assert "router=10.21.0.254" in got_a, got_a       # the port's own beats the subnet's
    assert "bootfile=pxelinux.0" in got_a, got_a
    got_b = dhcp_answer(lab, gb)
    assert "ip=10.21.0.12" in got_b and "router=10.21.0.1" in got_b, got_b
    assert "ntpsrv= " in got_b and "bootfile=" == got_b.split()[-1], got_b

    # Options changed while the guests hold leases: dnsmasq (2.90) would die on the SIGHUP
    # of a reload with tagged hosts, so it is restarted; every guest is answered again.
    a2 = replace(a, extra_dhcp_opts=(DhcpOption("ntp-server", "192.0.2.124"),))
    await dp.ensure_dhcp(net, [dhcp, a2, b])
    got_a = dhcp_answer(lab, ga)
    assert "ntpsrv=192.0.2.124" in got_a and "router=10.21.0.1" in got_a, got_a
    assert "ip=10.21.0.12" in dhcp_answer(lab, gb)
    # and when the last tag goes (the old hosts file had one) it is restarted too
    await dp.ensure_dhcp(net, [dhcp, replace(a, extra_dhcp_opts=()), b])
    got_a = dhcp_answer(lab, ga)
    assert "ntpsrv= " in got_a and "router=10.21.0.1" in got_a, got_a


def http_get(ns: str, url: str) -> str | None:
    # (busybox 1.35's wget -T crashes: coreutils' timeout bounds a lost connection instead)
    res = sh("timeout", "3", "busybox", "wget", "-q", "-O", "-", url, ns=ns, check=False,
             timeout=10)
    return res.stdout if res.returncode == 0 else None


def serve_http(ns: str, ports: tuple[int, ...], root: Path) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen(["ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p",
                              str(port), "-h", str(root)]) for port in ports]


async def test_port_forwarding_reaches_one_port_of_the_guest(lab: Lab) -> None:
    host, dp, rid, guest, outside = await routed_guest(lab, 41)
    # the guest serves HTTP on 8080 and 8081; only 8080 is forwarded (from 2222)
    www = lab.dir / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from the guest\n")
    servers = serve_http(guest, (8080, 8081), www)
    try:
        for _ in range(50):     # until the servers listen
            if http_get(guest, "http://10.41.0.5:8080/") and \
                    http_get(guest, "http://10.41.0.5:8081/"):
                break
            await asyncio.sleep(0.1)
        assert http_get(guest, "http://10.41.0.5:8080/") == "hello from the guest\n"
        assert http_get(outside, "http://172.24.4.20:2222/") is None
        fwd = FloatingSpec("172.24.4.20", "10.41.0.5", rid, "tcp", 2222, 8080)
        await dp.set_floating_ips(rid, [fwd])
        assert http_get(outside, "http://172.24.4.20:2222/") == "hello from the guest\n"
        assert http_get(host, "http://172.24.4.20:2222/") == "hello from the guest\n"
        assert http_get(outside, "http://172.24.4.20:8081/") is None    # not forwarded
        assert pings(guest, "172.24.4.100")             # the guest still leaves by SNAT
        await dp.set_floating_ips(rid, [])
        assert http_get(outside, "http://172.24.4.20:2222/") is None
    finally:
        for p in servers:
            p.kill()
            p.wait()


async def test_vxlan_floods_each_network_to_the_hosts_that_carry_it(lab: Lab) -> None:
    """Three hosts on one underlay: a network carried by a and b floods only between them,
    one carried by a and c only between those; a peer that leaves is dropped."""
    hs = {r: lab.netns(r) for r in ("fa", "fb", "fc")}
    under = lab.netns("fu")
    sh("ip", "link", "add", "br0", "type", "bridge", ns=under)
    sh("ip", "link", "set", "br0", "up", ns=under)
    vtep = {r: f"192.168.78.{i}" for i, r in enumerate(hs, 1)}
    for r, h in hs.items():
        sh("ip", "-n", h, "link", "add", "under", "type", "veth", "peer", "name", f"v-{r}",
           "netns", under)
        sh("ip", "link", "set", f"v-{r}", "master", "br0", "up", ns=under)
        sh("ip", "addr", "add", f"{vtep[r]}/24", "dev", "under", ns=h)
        sh("ip", "link", "set", "under", "up", ns=h)
    dps = {r: lab.dataplane(h, vtep_ip=vtep[r], vtep_dev="under") for r, h in hs.items()}
    base = 20000 + secrets.randbelow(10000)
    n1 = NetworkSpec(lab.id("n1"), "vxlan", base, mtu=1450)
    n2 = NetworkSpec(lab.id("n2"), "vxlan", base + 1, mtu=1450)
    carries = {"fa": (n1, n2), "fb": (n1,), "fc": (n2,)}
    peers = [HostSpec(r, vtep[r], tuple(n.id for n in carries[r])) for r in hs]
    for r, dp in dps.items():
        await dp.set_hosts([p for p in peers if p.name != r])
        for n in carries[r]:
            await dp.ensure_network(n)

    def fdb(r: str, n: NetworkSpec) -> set[str]:
        out = sh("bridge", "fdb", "show", "dev", names.vxlan_name(n.segmentation_id or 0),
                 ns=hs[r]).stdout
        return {ln.split(" dst ")[1].split()[0] for ln in out.splitlines()
                if ln.startswith("00:00:00:00:00:00") and " dst " in ln}

    assert fdb("fa", n1) == {vtep["fb"]} and fdb("fa", n2) == {vtep["fc"]}
    assert fdb("fb", n1) == {vtep["fa"]} and fdb("fc", n2) == {vtep["fa"]}
    # guests on n1 at a and b reach each other over it; c never sees n1's traffic
    pa = PortSpec(lab.id("pa"), n1.id, mac(11), port_security_enabled=False)
    pb = PortSpec(lab.id("pb"), n1.id, mac(12), port_security_enabled=False)
    ga = lab.guest(hs["fa"], pa, "xga", "10.51.0.1/24")
    lab.guest(hs["fb"], pb, "xgb", "10.51.0.2/24")
    await dps["fa"].plug_port(pa)
    await dps["fb"].plug_port(pb)
    assert pings(ga, "10.51.0.2")
    # c joins n1 (a port there now): a floods n1 to it too; then b leaves n1
    await dps["fa"].set_hosts([HostSpec("fb", vtep["fb"], (n1.id,)),
                               HostSpec("fc", vtep["fc"], (n1.id, n2.id))])
    assert fdb("fa", n1) == {vtep["fb"], vtep["fc"]}
    await dps["fa"].set_hosts([HostSpec("fc", vtep["fc"], (n1.id, n2.id))])
    assert fdb("fa", n1) == {vtep["fc"]} and fdb("fa", n2) == {vtep["fc"]}
    assert not pings(ga, "10.51.0.2", count=1)
