"""Real guests on the Linux dataplane: `nubo up --virt libvirt --network linux` and the real
openstack CLI, as the demo user and as admin. The checks share one cloud and run in file
order: two guests on the demo `private` network get their addresses by DHCP and their keys
from the metadata service (over HTTP, not a config drive), reach each other, are filtered by
security groups, one is reached from the host through a floating IP, and a guest on another
project's network with the same CIDR cannot reach them.

Guests are entered with ssh from the network's qdhcp- namespace (the host is not on tenant
networks) or through the floating IP, with the key pair's key and the host key pinned from
the guest's `hostkey=` console marker.

Skipped when libvirt is unusable (as tests/e2e/test_libvirt_boot.py) or a host tool is
missing. The host is cleaned at the end even on failure: this cloud's domains, namespaces,
bridges, VXLAN links and taps (named from the API's ids with the dataplane's names module),
dnsmasq and metadata proxy processes started under its data dir, and br-ex and the nft
tables if they were not there before.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nubo.network import names
from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_libvirt_boot import _cleanup_domains
from tests.e2e.test_openstack_cli import osc, osc_json
from tests.install import need_libvirt, need_tools

WAIT = 240.0          # a ceiling for slow shared machines, not a timed assertion
CLOUD_ARGS = ("--virt", "libvirt", "--network", "linux")
DEMO = "nubo-demo"
TOOLS = ("ip", "nft", "dnsmasq", "ssh", "ssh-keygen", "ping", "virsh")
READY = re.compile(r"nubo-guest: (ready|degraded)\b.*")
HOSTKEY = re.compile(r"nubo-guest: sshd ok port=22 hostkey=(ssh-\S+ \S+)")


# -- host state: what was there before, and removing what this cloud made ------------------

def _run(*cmd: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)


def host_links() -> set[str]:
    return {ln.split()[0].split("@")[0] for ln in _run("ip", "-br", "link").stdout.splitlines()
            if ln.strip()}


def host_netns() -> set[str]:
    return {ln.split()[0] for ln in _run("ip", "netns", "list").stdout.splitlines() if ln.strip()}


def nft_tables() -> set[str]:
    return {ln.removeprefix("table ").strip()
            for ln in _run("nft", "list", "tables").stdout.splitlines() if ln.strip()}


@dataclass
class HostBefore:
    links: set[str] = field(default_factory=host_links)
    netns: set[str] = field(default_factory=host_netns)
    tables: set[str] = field(default_factory=nft_tables)


@dataclass
class Made:
    """What the cloud's API says exists (ids), read before the cloud stops."""
    networks: dict[str, int | None] = field(default_factory=dict)    # id -> VXLAN VNI
    routers: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)


def _what_was_made(c: Cloud) -> Made | None:
    try:
        made = Made()
        for n in osc_json(c, "network", "list", "--long"):
            shown = osc_json(c, "network", "show", n["ID"])
            vni = shown.get("provider:segmentation_id")
            made.networks[n["ID"]] = vni if shown.get("provider:network_type") == "vxlan" \
                else None
        made.routers = [r["ID"] for r in osc_json(c, "router", "list")]
        made.ports = [p["ID"] for p in osc_json(c, "port", "list")]
        return made
    except Exception:       # the API is gone: fall back to "new since the start"
        return None


def _kill_processes_under(path: Path) -> None:
    """dnsmasq and metadata proxies the dataplane started (setsid: not our process group)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmd and int(proc.name) != os.getpid():
            try:
                os.kill(int(proc.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


def clean_host(data_dir: Path, before: HostBefore, made: Made | None) -> None:
    """After the cloud stopped (its domains were destroyed before: a libvirtd it started
    is gone with it)."""
    _kill_processes_under(data_dir)
    if made is not None:
        spaces = {names.dhcp_ns(n) for n in made.networks} | \
            {names.router_ns(r) for r in made.routers}
        links = {names.bridge_name(n) for n in made.networks} | \
            {names.vxlan_name(v) for v in made.networks.values() if v is not None} | \
            {names.tap_name(p) for p in made.ports}
    else:
        ns_prefixes = (names.DHCP_NS_PREFIX, names.ROUTER_NS_PREFIX)
        spaces = {n for n in host_netns() - before.netns if n.startswith(ns_prefixes)}
        link_prefixes = (names.BRIDGE_PREFIX, names.VXLAN_PREFIX, names.TAP_PREFIX)
        links = {n for n in host_links() - before.links if n.startswith(link_prefixes)}
    if "br-ex" not in before.links:
        links.add("br-ex")
    for ns in spaces & host_netns():
        _run("ip", "netns", "del", ns)
    for link in links & host_links():
        _run("ip", "link", "del", link)
    for table in nft_tables() - before.tables:
        if "nubo" in table:
            _run("nft", "delete", "table", *table.split())


# -- the cloud ---------------------------------------------------------------------------

@dataclass
class Net:
    cloud: Cloud                # replaced when a check restarts `nubo up`
    key: Path
    known_hosts: Path
    ips: dict[str, str] = field(default_factory=dict)        # server name -> fixed IP
    consoles: dict[str, str] = field(default_factory=dict)   # server name -> console log
    fips: dict[str, str] = field(default_factory=dict)       # server name -> floating IP
    strays: list[tuple[str, str]] = field(default_factory=list)  # ("netns"|"link", name)


def remove_strays(strays: list[tuple[str, str]]) -> None:
    """What a check made on the host to look like ours (the teardown's API ids miss it)."""
    for kind, name in strays:
        if kind == "netns" and name in host_netns():
            _run("ip", "netns", "del", name)
        elif kind == "link" and name in host_links():
            _run("ip", "link", "del", name)


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    need_libvirt()
    need_tools(*TOOLS, piece="guest_tools")
    # dnsmasq runs as nobody and reads its files under the data dir: pytest's 0700 tmp
    # dirs would not do. Short, too: Unix socket paths hold 107 bytes.
    tmp = Path(tempfile.mkdtemp(prefix="nubo-gn-", dir="/tmp"))
    tmp.chmod(0o755)
    data = tmp / "data"
    before = HostBefore()
    c: Cloud | None = None
    n: Net | None = None
    made: Made | None = None
    try:
        c = start_nubo(data, free_port(), *CLOUD_ARGS, test_image=True, timeout=120)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:     # the test image registers in the background
            images = osc_json(c, "image", "list", "--name", "nubo-test")
            if images and images[0]["Status"] == "active":
                break
            time.sleep(2)
        key = tmp / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        n = Net(c, key, tmp / "known_hosts")
        yield n
    finally:
        if n is not None:
            c = n.cloud
        if c is not None:
            made = _what_was_made(c)
        _cleanup_domains(data)
        if c is not None:
            stop_nubo(c)
        clean_host(data, before, made)
        remove_strays(n.strays if n is not None else [])
        shutil.rmtree(tmp, ignore_errors=True)


def wait_for(fn: Callable[[], Any], what: str, wait: float = WAIT, every: float = 1) -> Any:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")


def fixed_ip(c: Cloud, server: str, network: str, cloud_name: str = DEMO) -> str:
    addrs = osc_json(c, "server", "show", server, cloud_name=cloud_name)["addresses"]
    if isinstance(addrs, str):                     # older clients: "private=10.0.0.5, ..."
        found = re.search(rf"{network}=([\d.]+)", addrs)
        assert found, addrs
        return found.group(1)
    return str(addrs[network][0])


def console_ready(c: Cloud, server: str, cloud_name: str = DEMO) -> str:
    def check() -> str | None:
        out = osc(c, "console", "log", "show", server, cloud_name=cloud_name).stdout
        return out if READY.search(out) else None
    out = str(wait_for(check, f"{server}'s ready marker", every=2))
    assert "nubo-guest: ready" in out, f"{server} came up degraded:\n{out}"
    return out


def boot(n: Net, name: str, *args: str, cloud_name: str = DEMO) -> None:
    r = osc(n.cloud, "server", "create", "--image", "nubo-test", "--flavor", "m1.nano",
            "--key-name", "k", *args, "--wait", name, cloud_name=cloud_name, check=False)
    if r.returncode != 0:       # say why: the fault, not just "Error creating server"
        shown = osc_json(n.cloud, "server", "show", name, cloud_name=cloud_name)
        raise AssertionError(f"{name}: {shown.get('status')} {shown.get('fault')}\n{r.stderr}")


def pin_host_key(n: Net, name: str, console: str) -> None:
    found = HOSTKEY.search(console)
    assert found, f"no hostkey marker on {name}'s console:\n{console}"
    with open(n.known_hosts, "a") as f:
        f.write(f"{name} {found.group(1)}\n")


def ssh(n: Net, alias: str, address: str, command: str, netns: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `command` in a guest as root; the host key must be the pinned one for `alias`."""
    cmd = ["ssh", "-i", str(n.key), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
           "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={n.known_hosts}",
           "-o", f"HostKeyAlias={alias}", "-o", "LogLevel=ERROR", f"root@{address}", command]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    r = _run(*cmd, timeout=60)
    for _ in range(5):            # 255: ssh itself failed (connection): sshd may be starting
        if r.returncode != 255:
            break
        time.sleep(2)
        r = _run(*cmd, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"ssh {alias} ({address}) {command!r} -> {r.returncode}\n"
                             f"{r.stdout}{r.stderr}")
    return r


def received(ping_output: str) -> int:
    """Replies counted by busybox or iputils ping ("3 packets received" / "3 received")."""
    found = re.search(r"(\d+) (?:packets )?received", ping_output)
    assert found, f"unexpected ping output: {ping_output}"
    return int(found.group(1))


def guest_ping(n: Net, alias: str, address: str, target: str, netns: str) -> int:
    r = ssh(n, alias, address, f"ping -c 3 -W 1 -w 4 {target}", netns=netns, check=False)
    assert r.returncode in (0, 1), f"ssh failed: {r.returncode} {r.stderr}"
    return received(r.stdout)


def network_id(c: Cloud, name: str) -> str:
    return str(osc_json(c, "network", "show", name, "-c", "id")["id"])


# -- the checks, in order ------------------------------------------------------------------

def test_two_guests_get_dhcp_and_http_metadata(net: Net) -> None:
    c = net.cloud
    osc(c, "keypair", "create", "--public-key", f"{net.key}.pub", "k", cloud_name=DEMO)
    # ssh from the qdhcp namespace and from the host (through the floating IP later)
    osc(c, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
        "default", cloud_name=DEMO)
    with ThreadPoolExecutor(2) as pool:           # two TCG boots at once: ~half the wait
        list(pool.map(lambda name: boot(net, name, "--network", "private"), ("vm1", "vm2")))
    for name in ("vm1", "vm2"):
        ip = fixed_ip(c, name, "private")
        log = console_ready(c, name)
        assert f"nubo-guest: dhcp ok {ip} " in log, log
        meta = re.search(r"nubo-guest: metadata ok (.*)", log)
        assert meta, log
        assert "source=http " in meta.group(1) and f"hostname={name} " in meta.group(1) \
            and "keys=1" in meta.group(1), meta.group(0)
        pin_host_key(net, name, log)
        net.ips[name], net.consoles[name] = ip, log
    assert net.ips["vm1"] != net.ips["vm2"]


def test_guest_pings_guest(net: Net) -> None:
    ns = names.dhcp_ns(network_id(net.cloud, "private"))
    assert ssh(net, "vm1", net.ips["vm1"], "hostname", netns=ns).stdout.strip() == "vm1"
    assert guest_ping(net, "vm1", net.ips["vm1"], net.ips["vm2"], ns) == 3


def test_security_group_without_icmp_blocks_ping_until_a_rule_allows_it(net: Net) -> None:
    c = net.cloud
    ns = names.dhcp_ns(network_id(c, "private"))
    osc(c, "security", "group", "create", "no-icmp", cloud_name=DEMO)
    osc(c, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
        "no-icmp", cloud_name=DEMO)
    osc(c, "server", "add", "security", "group", "vm2", "no-icmp", cloud_name=DEMO)
    osc(c, "server", "remove", "security", "group", "vm2", "default", cloud_name=DEMO)
    shown = osc_json(c, "server", "show", "vm2", cloud_name=DEMO)["security_groups"]
    assert [g["name"] for g in shown] == ["no-icmp"], shown
    port = osc_json(c, "port", "list", "--server", "vm2", "--long", cloud_name=DEMO)[0]
    no_icmp = osc_json(c, "security", "group", "show", "no-icmp", cloud_name=DEMO)["id"]
    assert port["Security Groups"] == [no_icmp], port
    wait_for(lambda: guest_ping(net, "vm1", net.ips["vm1"], net.ips["vm2"], ns) == 0,
             "vm2 to stop answering vm1's ping", wait=30, every=0)
    assert guest_ping(net, "vm1", net.ips["vm1"], net.ips["vm2"], ns) == 0    # and it stays
    osc(c, "security", "group", "rule", "create", "--protocol", "icmp", "no-icmp",
        cloud_name=DEMO)
    wait_for(lambda: guest_ping(net, "vm1", net.ips["vm1"], net.ips["vm2"], ns) > 0,
             "the icmp rule to let vm1's ping through", wait=30, every=0)


def test_floating_ip_reaches_the_guest_from_the_host(net: Net) -> None:
    c = net.cloud
    osc(c, "security", "group", "rule", "create", "--protocol", "icmp", "--remote-ip",
        "172.24.4.0/24", "default", cloud_name=DEMO)
    fip = osc_json(c, "floating", "ip", "create", "public", cloud_name=DEMO)[
        "floating_ip_address"]
    osc(c, "server", "add", "floating", "ip", "vm1", fip, cloud_name=DEMO)

    def pings() -> bool:
        return received(_run("ping", "-c", "2", "-W", "1", fip).stdout) > 0
    wait_for(pings, f"the floating IP {fip} to answer", wait=30)
    assert received(_run("ping", "-c", "3", "-W", "1", fip).stdout) == 3
    assert ssh(net, "vm1", fip, "hostname").stdout.strip() == "vm1"   # the metadata hostname
    addrs = osc_json(c, "server", "show", "vm1", cloud_name=DEMO)["addresses"]
    assert fip in str(addrs)
    net.fips["vm1"] = fip


def test_same_cidr_in_another_project_is_isolated(net: Net) -> None:
    """admin's own network with private's CIDR; its guest takes vm2's very address."""
    c = net.cloud
    osc(c, "keypair", "create", "--public-key", f"{net.key}.pub", "k")
    osc(c, "network", "create", "iso")
    osc(c, "subnet", "create", "--network", "iso", "--subnet-range", "10.0.0.0/26", "iso-sub")
    own = osc_json(c, "security", "group", "list", "--project", "admin")
    sg = next(g["ID"] for g in own if g["Name"] == "default")
    for proto in ("icmp", "tcp"):
        args = ["--dst-port", "22"] if proto == "tcp" else []
        osc(c, "security", "group", "rule", "create", "--protocol", proto, *args, sg)
    # vm1 answers pings from anywhere in 10.0.0.0/26: only the network can keep vm3 out
    osc(c, "security", "group", "rule", "create", "--protocol", "icmp", "--remote-ip",
        "10.0.0.0/26", "default", cloud_name=DEMO)
    iso = network_id(c, "iso")
    boot(net, "vm3", "--security-group", sg, "--nic",
         f"net-id={iso},v4-fixed-ip={net.ips['vm2']}", cloud_name="nubo")
    log = console_ready(c, "vm3", cloud_name="nubo")
    assert f"nubo-guest: dhcp ok {net.ips['vm2']} " in log, log
    pin_host_key(net, "vm3", log)
    ns_iso, ns_priv = names.dhcp_ns(iso), names.dhcp_ns(network_id(c, "private"))
    assert ns_iso != ns_priv
    # vm3 is alive and pings its own network's DHCP port; vm1 is reachable on private
    dhcp_ip = next(p["Fixed IP Addresses"] for p in osc_json(
        c, "port", "list", "--network", iso, "--device-owner", "network:dhcp"))
    dhcp_ip = re.search(r"10\.0\.0\.\d+", str(dhcp_ip)).group(0)   # type: ignore[union-attr]
    assert guest_ping(net, "vm3", net.ips["vm2"], dhcp_ip, ns_iso) == 3
    assert received(_run("ip", "netns", "exec", ns_priv, "ping", "-c", "2", "-W", "1",
                         net.ips["vm1"]).stdout) == 2
    # ... but vm3 cannot reach vm1's address, and vm1 does not reach vm3 at vm2's address
    assert guest_ping(net, "vm3", net.ips["vm2"], net.ips["vm1"], ns_iso) == 0
    vm1_sees = ssh(net, "vm1", net.ips["vm1"], "ping -c 2 -W 1 -w 3 " + net.ips["vm2"] +
                   " >/dev/null; cat /proc/net/arp", netns=ns_priv).stdout
    vm2_mac = osc_json(c, "port", "list", "--server", "vm2", cloud_name=DEMO)[0]["MAC Address"]
    vm3_mac = osc_json(c, "port", "list", "--server", "vm3")[0]["MAC Address"]
    assert vm3_mac.lower() not in vm1_sees.lower() and vm2_mac.lower() in vm1_sees.lower(), \
        vm1_sees


def dhcp_lease(n: Net, alias: str, address: str, netns: str) -> str:
    """A one-shot DHCP exchange from inside a guest (its own udhcpc keeps running; `-s
    /bin/true` leaves eth0 as it is): what udhcpc said."""
    r = ssh(n, alias, address, "udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1",
            netns=netns, check=False)
    assert r.returncode in (0, 1), f"ssh failed: {r.returncode} {r.stderr}"
    return r.stdout


def pings_once(address: str) -> bool:
    return received(_run("ping", "-c", "1", "-W", "1", address).stdout) > 0


def test_kill_9_and_drift_converge_on_restart(net: Net) -> None:
    """`kill -9` of nubo; while it is down the host drifts: vm1's tap leaves its bridge,
    private's dnsmasq dies, a qdhcp- namespace and a brq bridge nobody wants appear. The
    next `nubo up` on the same data dir puts it all back (the floating IP answers again,
    DHCP serves), removes the strays, and the servers are still ACTIVE."""
    c = net.cloud
    private = network_id(c, "private")
    ns = names.dhcp_ns(private)
    vm1_port = osc_json(c, "port", "list", "--server", "vm1", cloud_name=DEMO)[0]["ID"]
    tap, bridge = names.tap_name(vm1_port), names.bridge_name(private)
    dns_dir = c.data_dir / "network" / "dhcp" / private
    fip = net.fips["vm1"]
    assert (Path("/sys/class/net") / tap / "master").resolve().name == bridge
    assert "obtained" in dhcp_lease(net, "vm2", net.ips["vm2"], ns)

    os.kill(c.proc.pid, signal.SIGKILL)
    c.proc.wait(30)
    stray_ns = names.dhcp_ns(str(uuid.uuid4()))
    stray_br = names.bridge_name(uuid.uuid4().hex)
    net.strays += [("netns", stray_ns), ("link", stray_br)]
    _run("ip", "link", "set", tap, "nomaster")
    dnsmasq = int((dns_dir / "pid").read_text())
    os.kill(dnsmasq, signal.SIGKILL)
    assert _run("ip", "netns", "add", stray_ns).returncode == 0
    assert _run("ip", "link", "add", stray_br, "type", "bridge").returncode == 0
    assert not pings_once(fip)                                  # the drift took effect
    assert "obtained" not in dhcp_lease(net, "vm2", net.ips["vm2"], ns)

    t0 = time.monotonic()
    net.cloud = c = start_nubo(c.data_dir, c.port, *CLOUD_ARGS, test_image=True, timeout=120)

    def converged() -> bool:
        master = Path("/sys/class/net") / tap / "master"
        return (stray_ns not in host_netns() and stray_br not in host_links()
                and master.exists() and master.resolve().name == bridge)
    wait_for(converged, "the host to converge after the restart", wait=60, every=0.5)
    wait_for(lambda: pings_once(fip), f"{fip} to answer again", wait=30, every=0)
    print(f"\nrestart to converged host and floating IP answering: "
          f"{time.monotonic() - t0:.1f} s")
    assert received(_run("ping", "-c", "3", "-W", "1", fip).stdout) == 3
    assert ssh(net, "vm1", fip, "hostname").stdout.strip() == "vm1"
    assert wait_for(lambda: "obtained" in dhcp_lease(net, "vm2", net.ips["vm2"], ns),
                    "private's dnsmasq to serve again", wait=30, every=0)
    assert int((dns_dir / "pid").read_text()) != dnsmasq
    servers = osc_json(c, "server", "list", "--all-projects")
    assert {s["Name"]: s["Status"] for s in servers} == {
        "vm1": "ACTIVE", "vm2": "ACTIVE", "vm3": "ACTIVE"}, servers
