"""Networks across hosts on one machine: a `nubo controller --network linux` (PostgreSQL,
RabbitMQ) and two `nubo agent --virt fake --network linux` processes, each run inside its own
network namespace standing in for a host. The network node is the controller's own network
agent, its dataplane in a namespace of its own (NUBO_NETWORK_HOST_NETNS), or, in the second
run, a third agent started there with --network-node. The "hosts" share an underlay (a
bridge in a namespace, with a veth to each and one to the machine, where the controller
listens); the agents reach the broker through a TCP relay on the machine's underlay address
(RabbitMQ listens on 127.0.0.1 here).

A guest is a namespace holding the other end of a veth named like its port's tap, made in
its host's namespace before the server is created on that port (the fake driver makes no
tap; the host's dataplane finds the veth and plugs it into the network's bridge). The test
shows, driven by the real openstack CLI: the VXLAN tenant network `private` on both hosts
with FDB entries towards the hosts that have ports on it (and not after a host's last port
went), a DHCP lease from the network node's dnsmasq, ping between the two hosts' guests,
metadata from a guest through the network node's proxy and metadata agent to the
controller's metadata API over HTTP, a floating IP reachable from outside (the network
node's br-ex) once the security group lets ICMP in, and security groups enforced on each
host.

Namespaces (also the network node's qdhcp-/qrouter- ones), the processes started (agents,
controller, dnsmasq, metadata proxies), the relay, the throwaway database and virtual host
are removed even when the test fails. Names carry a random tag; interface names are short.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nubo.network import names
from tests.e2e.conftest import free_port, nubo_bin
from tests.e2e.test_many_hosts import (  # noqa: F401 - fixtures
    Cli,
    Procs,
    _raw_image,
    agent_env,
    amqp_url,
    eventually,
    pg_url,
    procs,
)
from tests.install import need_tools
from tests.integration.test_dataplane_linux import UDHCPC_SCRIPT, pings, sh

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="needs root: namespaces, "
                                 "bridges, nftables")]
TOOLS = ("ip", "bridge", "nft", "dnsmasq", "busybox", "ping", "nsenter")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
AMQP = ("127.0.0.1", 5672)


# -- the relay to the broker --------------------------------------------------------------
class _Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        up = socket.create_connection(AMQP, timeout=10)
        up.settimeout(None)
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                done.set()
        threading.Thread(target=pump, args=(up, self.request), daemon=True).start()
        pump(self.request, up)
        done.wait(1)
        up.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


# -- the machine: underlay, hosts, guests -------------------------------------------------
class Machine:
    def __init__(self, tag: str, root: Path) -> None:
        self.tag, self.root = tag, root
        self.namespaces: list[str] = []
        self.ids: set[str] = set()      # networks and routers whose namespaces may exist
        octet = 16 + secrets.randbelow(200)
        self.net = ipaddress.ip_network(f"100.127.{octet}.0/24")
        self.ip = {"root": str(self.net[1]), "node": str(self.net[10]), "a": str(self.net[11]),
                   "b": str(self.net[12])}
        self.relay: _Server | None = None

    def netns(self, role: str) -> str:
        name = f"hn{self.tag}{role}"
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "link", "set", "lo", "up", ns=name)
        return name

    def underlay(self) -> dict[str, str]:
        """The underlay bridge in its namespace; the machine's end and the hosts' `under`."""
        u = self.netns("u")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=u)
        sh("ip", "link", "set", "br0", "up", ns=u)
        hosts = {role: self.netns(role[0]) for role in ("node", "a", "b")}
        root_end = f"hn{self.tag}r"
        sh("ip", "link", "add", root_end, "type", "veth", "peer", "name", "v-root", "netns", u)
        sh("ip", "addr", "add", f"{self.ip['root']}/24", "dev", root_end)
        sh("ip", "link", "set", root_end, "up")
        sh("ip", "link", "set", "v-root", "master", "br0", "up", ns=u)
        for role, ns in hosts.items():
            sh("ip", "-n", ns, "link", "add", "under", "type", "veth", "peer", "name",
               f"v-{role}", "netns", u)
            sh("ip", "addr", "add", f"{self.ip[role]}/24", "dev", "under", ns=ns)
            sh("ip", "link", "set", "under", "up", ns=ns)
            sh("ip", "link", "set", f"v-{role}", "master", "br0", "up", ns=u)
        return hosts

    def start_relay(self) -> int:
        self.relay = _Server((self.ip["root"], 0), _Relay)
        threading.Thread(target=self.relay.serve_forever, daemon=True).start()
        return int(self.relay.server_address[1])

    def guest(self, host: str, port: dict[str, Any], role: str) -> str:
        """A namespace standing in for a VM: eth0 with the port's MAC, its peer the tap."""
        ns = self.netns(role)
        sh("ip", "-n", host, "link", "add", names.tap_name(port["id"]), "type", "veth", "peer",
           "name", "eth0", "netns", ns)
        sh("ip", "link", "set", "eth0", "address", port["mac_address"], "up", ns=ns)
        return ns

    def dhcp(self, ns: str) -> str:
        script = self.root / "udhcpc.sh"
        script.write_text(UDHCPC_SCRIPT)
        script.chmod(0o755)
        out = self.root / f"lease-{ns}"
        sh("env", f"LEASE_OUT={out}", "busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-t", "10",
           "-T", "1", "-s", str(script), ns=ns, timeout=40)
        return out.read_text().strip()

    def cleanup(self) -> None:
        if self.relay is not None:
            self.relay.shutdown()
            self.relay.server_close()
        # what the dataplanes started under the data dirs (dnsmasq, metadata proxies)
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(self.root).encode() in cmd:
                try:
                    os.kill(int(proc.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for path in self.root.rglob("*"):
            self.ids.update(UUID.findall(path.name))
        spaces = set(self.namespaces)
        for i in self.ids:
            spaces |= {names.dhcp_ns(i), names.router_ns(i)}
        have = set(subprocess.run(["ip", "netns", "list"], capture_output=True,
                                  text=True).stdout.split())
        for ns in sorted(spaces & have):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    need_tools(*TOOLS)
    tag = secrets.token_hex(2)
    root = Path("/tmp") / f"nubo-hn-{tag}"   # searchable by dnsmasq's user; short sockets
    root.mkdir()
    os.chmod(root, 0o755)
    m = Machine(tag, root)
    try:
        yield m
    finally:
        m.cleanup()
        for log in root.glob("*/logs/*.log"):     # the agents' own logs, for a post-mortem
            shutil.copy(log, tmp_path / f"{log.parent.parent.name}-{log.name}")
        shutil.rmtree(root, ignore_errors=True)


def fdb(host: str, vni: int) -> set[str]:
    out = sh("bridge", "fdb", "show", "dev", names.vxlan_name(vni), ns=host, check=False).stdout
    return {line.split(" dst ")[1].split()[0] for line in out.splitlines()
            if line.startswith("00:00:00:00:00:00") and " dst " in line}


# -- the story ----------------------------------------------------------------------------
@pytest.mark.parametrize("node", ["controller", "agent"])
def test_tenant_network_across_two_hosts(pg_url: str, amqp_url: str,  # noqa: F811
                                         procs: Procs, machine: Machine,  # noqa: F811
                                         node: str) -> None:
    """`node`: who is the network node: the controller's own network agent (its dataplane
    in the node's namespace, NUBO_NETWORK_HOST_NETNS), or a third agent run there with
    --network-node (the controller --no-network-node)."""
    hosts = machine.underlay()
    relay_port = machine.start_relay()
    data = machine.root / "c"
    port = free_port()
    url = f"http://{machine.ip['root']}:{port}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "NUBO_PASSWORD_HASH_ROUNDS": "4", "NUBO_TRANSPORT_URL": amqp_url,
           "NUBO_REPORT_INTERVAL": "2"}
    if node == "controller":
        env["NUBO_NETWORK_HOST_NETNS"] = hosts["node"]
        node_opts = ["--vtep-ip", machine.ip["node"]]
    else:
        node_opts = ["--no-network-node"]
    procs.start("controller", ["controller", "--data-dir", str(data), "--host",
                               machine.ip["root"], "--port", str(port), "--database-url",
                               pg_url, "--no-test-image", "--volume-driver", "fake",
                               "--network", "linux", *node_opts], env)

    def ready() -> bool:
        try:
            r = httpx.get(f"{url}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        assert procs.running["controller"].poll() is None, procs.logs()
        return r.status_code == 200 and r.json()["parts"]["compute"] == "ready"
    eventually(ready, 90, "the controller ready", procs)
    cli = Cli(data / "clouds.yaml")
    machine.ids |= {n["ID"] for n in cli.json("network", "list")}
    machine.ids |= {r["ID"] for r in cli.json("router", "list")}

    # the agents, each in its host's namespace, reach the broker and controller over the
    # underlay only
    vhost_url = re.sub(r"@[^/]+/", f"@{machine.ip['root']}:{relay_port}/", amqp_url)
    names_ = {"a": f"hn{machine.tag}-a", "b": f"hn{machine.tag}-b"}
    node_host = socket.gethostname() if node == "controller" else f"hn{machine.tag}-n"
    agent_hosts = {**names_, **({"node": node_host} if node == "agent" else {})}

    def start_agent(role: str) -> None:
        extra = ["--network-node", "--metadata-secret-file",
                 str(data / "keys" / "metadata_secret")] if role == "node" else []
        argv = ["ip", "netns", "exec", hosts[role], nubo_bin(), "agent", "--host",
                agent_hosts[role], "--controller-url", url, "--transport-url", vhost_url,
                "--virt", "fake", "--network", "linux", "--vtep-ip", machine.ip[role],
                "--password-file", str(data / "keys" / "service_password"),
                "--data-dir", str(machine.root / role), *extra]
        with open(procs.log(role), "ab") as out:
            procs.running[role] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                                   env=agent_env(), start_new_session=True)
    for role in agent_hosts:
        start_agent(role)

    def agents() -> dict[tuple[str, str], Any]:
        return {(a["Host"], a["Agent Type"]): a for a in cli.json("network", "agent", "list")}

    def all_alive() -> bool:
        got = agents()
        return all(got.get((h, "Linux bridge agent"), {}).get("Alive") in (True, ":-)")
                   for h in (*names_.values(), node_host)) and \
            got.get((node_host, "DHCP agent"), {}).get("Alive") in (True, ":-)")
    eventually(all_alive, 60, "the network agents of both hosts and the node alive", procs)
    listed = agents()
    assert (names_["a"], "DHCP agent") not in listed    # DHCP runs on the network node only
    assert (names_["a"], "L3 agent") not in listed
    eventually(lambda: {s["Host"]: s["State"] for s in cli.json(
        "compute", "service", "list", "--service", "nova-compute")} == dict.fromkeys(
        agent_hosts.values(), "up"), 60, "the compute hosts up", procs)
    if node == "agent":     # the network node's agent is a compute host too: no servers
        cli.run("compute", "service", "set", "--disable", node_host, "nova-compute")

    private = cli.json("network", "show", "private")
    assert private["provider:network_type"] == "vxlan"
    vni = int(private["provider:segmentation_id"])
    ports = {role: cli.json("port", "create", "--network", "private", f"hn-p{role}")
             for role in ("a", "b")}
    ip = {role: p["fixed_ips"][0]["ip_address"] for role, p in ports.items()}
    guests = {role: machine.guest(hosts[role], ports[role], f"g{role}") for role in ("a", "b")}
    image = cli.json("image", "create", "--disk-format", "raw", "--container-format", "bare",
                     "--file", str(_raw_image(machine.root)), "hn-image")["id"]
    for role, other in (("a", "b"), ("b", "a")):   # each on its host: the other disabled
        cli.run("compute", "service", "set", "--disable", names_[other], "nova-compute")
        cli.run("server", "create", "--image", image, "--flavor", "m1.tiny", "--port",
                ports[role]["id"], "--wait", f"hn-v{role}")
        cli.run("compute", "service", "set", "--enable", names_[other], "nova-compute")
    servers = {s["Name"]: s for s in cli.json("server", "list", "--long")}
    assert servers["hn-va"]["Host"] == names_["a"] and servers["hn-vb"]["Host"] == names_["b"]
    for role in ("a", "b"):     # ACTIVE: each host plugged its guest and said so
        assert cli.json("port", "show", ports[role]["id"])["status"] == "ACTIVE"

    # each host floods `private` to the other and to the network node (router, DHCP)
    eventually(lambda: fdb(hosts["a"], vni) == {machine.ip["b"], machine.ip["node"]}, 30,
               "host a's FDB entries", procs)
    eventually(lambda: fdb(hosts["b"], vni) == {machine.ip["a"], machine.ip["node"]}, 30,
               "host b's FDB entries", procs)
    assert fdb(hosts["node"], vni) == {machine.ip["a"], machine.ip["b"]}
    # the DHCP server is the network node's
    [dhcp] = cli.json("port", "list", "--network", "private", "--device-owner",
                      "network:dhcp", "--long")
    assert cli.json("port", "show", dhcp["ID"])["binding_host_id"] == node_host

    # DHCP from the network node's dnsmasq, over VXLAN
    assert machine.dhcp(guests["a"]) == ip["a"]
    assert machine.dhcp(guests["b"]) == ip["b"]
    # both in the project's default group (ingress from the group's members): they ping
    assert pings(guests["a"], ip["b"])
    assert pings(guests["b"], ip["a"])
    # metadata: guest a (host a) asks 169.254.169.254 through its router; the network node's
    # proxy and metadata agent name its instance to the controller's metadata API over HTTP
    meta = json.loads(sh("busybox", "wget", "-q", "-O", "-",
                         "http://169.254.169.254/openstack/latest/meta_data.json",
                         ns=guests["a"]).stdout)
    assert meta["uuid"] == servers["hn-va"]["ID"] and meta["name"] == "hn-va"

    # a floating IP of guest a, from outside (the network node's br-ex holds the public
    # gateway): the default group lets no ICMP in from there until a rule says so
    fip = cli.json("floating", "ip", "create", "public")["floating_ip_address"]
    cli.run("server", "add", "floating", "ip", "hn-va", fip)
    group = cli.json("port", "show", ports["a"]["id"])["security_group_ids"][0]
    router = names.router_ns(cli.json("router", "show", "router1")["id"])
    # (an agent run by `ip netns exec` names its namespaces in its own mount namespace)
    seen = ["nsenter", "-t", str(procs.running["node"].pid), "-m"] if node == "agent" else []
    eventually(lambda: fip in sh(*seen, "ip", "netns", "exec", router, "nft", "list",
                                 "ruleset", check=False).stdout, 30,
               "the floating IP's NAT on the network node", procs)
    assert not pings(hosts["node"], fip)
    cli.run("security", "group", "rule", "create", "--ingress", "--protocol", "icmp", group)
    eventually(lambda: pings(hosts["node"], fip, count=1), 30,
               "the floating IP answering from outside", procs)

    # host b enforces its port's group: a group without ingress rules stops a's ping there,
    # while b still reaches a (a's group lets ICMP in from anywhere now)
    quiet = cli.json("security", "group", "create", "hn-quiet")["id"]
    cli.run("port", "set", "--no-security-group", "--security-group", quiet, ports["b"]["id"])
    eventually(lambda: not pings(guests["a"], ip["b"], count=1), 30,
               "host b dropping a's ping", procs)
    assert pings(guests["b"], ip["a"])
    cli.run("security", "group", "rule", "create", "--ingress", "--protocol", "icmp", quiet)
    eventually(lambda: pings(guests["a"], ip["b"], count=1), 30,
               "host b letting a's ping in", procs)

    # host a's agent restarts: its guest keeps its network meanwhile (the dataplane stays),
    # and the restarted agent's full reconcile keeps it as it is
    assert procs.stop("a") == 0, procs.logs()
    assert pings(guests["b"], ip["a"])
    start_agent("a")
    eventually(all_alive, 60, "host a's agent back", procs)
    assert pings(guests["b"], ip["a"]) and pings(guests["a"], ip["b"])
    assert fdb(hosts["a"], vni) == {machine.ip["b"], machine.ip["node"]}

    # host b's last port on `private` goes: the others stop flooding to it
    cli.run("server", "delete", "--wait", "hn-vb")
    eventually(lambda: fdb(hosts["a"], vni) == {machine.ip["node"]}, 30,
               "host b gone from host a's FDB", procs)
    assert fdb(hosts["node"], vni) == {machine.ip["a"]}

    for role in agent_hosts:
        assert procs.stop(role) == 0, procs.logs()
    assert procs.stop("controller") == 0, procs.logs()
