"""NetworkSync driving the real Linux dataplane from the real network tables.

Networks, subnets and ports are made with the Network API's own functions on a throwaway
SQLite database; the dataplane runs in a `host_netns` sandbox (see test_dataplane_linux.py,
whose `lab` fixture removes every namespace and process even when a test fails); a guest is
a namespace holding the other end of a veth named like the port's tap. The metadata service
is the real MetadataApp on its Unix socket, resolving the guest by address as `nubo up` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from nubo.compute.service.networking import ComputeNetworking
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.metadata.app import MetadataApp
from nubo.metadata.content import InstanceFacts
from nubo.metadata.serve import UnixServer
from nubo.network import models as m
from nubo.network import names
from nubo.network.agent.dataplane.base import PortSpec
from nubo.network.agent.dataplane.linux.apply_links import list_netns
from nubo.network.agent.dataplane.linux.driver import LinuxDataplane
from nubo.network.agent.dataplane.linux.procs import read_pid
from nubo.network.service import networks, ports, subnets
from nubo.network.service.hostsync.loop import NetworkSync
from nubo.network.service.hostsync.wiring import local_sync
from tests.integration.test_dataplane_linux import Lab, lab, pytestmark, sh  # noqa: F401

HOST = "h1"
CTX = RequestContext(request_id="req-test", project_id="p-sync",
                     roles=("admin", "member", "reader"))


@pytest.fixture
async def db(lab: Lab) -> AsyncIterator[Database]:  # noqa: F811
    d = Database(f"sqlite:///{lab.dir / 'nubo.db'}")
    await d.migrate()
    try:
        yield d
    finally:
        await d.dispose()


class Metadata:
    """The real metadata service on the socket the proxies target; instances by address."""

    def __init__(self, db: Database, sock: Path) -> None:
        self.asked: list[str] = []
        app = MetadataApp(self.load, ComputeNetworking(db).resolve, secrets.token_bytes(16),
                          trusted=True)
        self.server = UnixServer(app, sock)

    async def load(self, instance_id: str) -> InstanceFacts:
        self.asked.append(instance_id)
        return InstanceFacts(uuid=instance_id, seq=1, name="vm", hostname="vm-sync",
                             project_id=CTX.project_id or "")


async def make_network(db: Database, cidr: str) -> tuple[str, str]:
    async with db.write() as s:
        net = await networks.create_network(s, CTX, {
            "name": "n", "provider:network_type": "local"}, (1, 1000))
        sub = await subnets.create_subnet(s, CTX, {
            "network_id": net.id, "ip_version": 4, "cidr": cidr})
        return net.id, sub.id


async def make_port(db: Database, lab: Lab, host_ns: str, net_id: str,  # noqa: F811
                    instance_id: str, role: str = "g") -> tuple[m.Port, str, str]:
    """A bound compute port, DOWN until plugged as compute leaves it, and its guest: the veth
    is made before the commit, so the dataplane finds and reuses it."""
    async with db.write() as s:
        port = await ports.create_port(s, CTX, {
            "network_id": net_id, "device_owner": "compute:nova", "device_id": instance_id,
            "binding:host_id": HOST})
        port.status = "DOWN"
        ip = (await ports.ips_of(s, [port.id]))[port.id][0][1]
        guest = lab.guest(host_ns, PortSpec(port.id, net_id, port.mac_address), role)
    return port, ip, guest


def links(ns: str) -> str:
    return sh("ip", "-br", "link", ns=ns).stdout


async def port_status(db: Database, port_id: str) -> str | None:
    async with db.read() as s:
        p = await s.get(m.Port, port_id)
        return p.status if p else None


async def test_api_changes_reach_the_host_and_a_restart_reconciles(
        lab: Lab, db: Database) -> None:  # noqa: F811
    host = lab.netns("host")
    dp = lab.dataplane(host)
    meta = Metadata(db, lab.dir / "metadata.sock")
    await meta.server.start()
    events: list[tuple[str, str, str]] = []

    async def on_vif(instance_id: str, port_id: str, status: str) -> None:
        events.append((instance_id, port_id, status))

    sync = local_sync(db, dp, [HOST], real=True, on_vif_event=on_vif)[0]
    await sync.start()
    try:
        await _scenario(lab, db, host, dp, sync, meta, events)
    finally:
        await sync.stop()
        await meta.server.stop()


async def _scenario(lab: Lab, db: Database, host: str, dp: LinuxDataplane,  # noqa: F811
                    sync: NetworkSync, meta: Metadata, events: list[Any]) -> None:
    # A network with a DHCP subnet: its bridge, a DHCP port bound here, dnsmasq in qdhcp-.
    net_a, _ = await make_network(db, "10.71.0.0/24")
    net_b, _ = await make_network(db, "10.72.0.0/24")
    result = await sync.settle()
    assert result is not None and result.errors == []
    dns_dir = dp.cfg.data_dir / "dhcp" / net_a
    assert names.bridge_name(net_a) in links(host)
    assert names.dhcp_ns(net_a) in list_netns()
    assert read_pid(dns_dir / "pid", str(dns_dir)) is not None

    # A port bound here: plugged, filtered, in dnsmasq's hosts; ACTIVE and one vif event.
    iid = "0f6e6d8a-5a1c-4d7e-9d7e-" + secrets.token_hex(6)
    port, ip, guest = await make_port(db, lab, host, net_a, iid)
    assert (await sync.settle()).errors == []       # type: ignore[union-attr]
    assert await port_status(db, port.id) == "ACTIVE"
    assert events == [(iid, port.id, "completed")]
    assert await asyncio.to_thread(lab.dhcp, guest) == ip     # the API's address
    # the guest's metadata request goes through the qdhcp proxy to the real MetadataApp
    got = await asyncio.to_thread(sh, "busybox", "wget", "-q", "-O", "-",
                                  "http://169.254.169.254/openstack/latest/meta_data.json",
                                  ns=guest)
    assert json.loads(got.stdout)["uuid"] == iid and meta.asked == [iid]
    await sync.settle()
    assert len(events) == 1                         # once per plug, not once per round

    # Port deleted: unplugged (its tap, and with it the guest's end, is gone).
    async with db.write() as s:
        await ports.delete_port(s, port.id)
    await sync.settle()
    assert names.tap_name(port.id) not in links(host)
    assert "eth0" not in links(guest)

    # Stopped (as by kill -9): the DB changes and the host drifts meanwhile.
    await sync.stop()
    async with db.write() as s:
        await networks.delete_network(s, net_a)
    sh("ip", "link", "del", names.bridge_name(net_b), ns=host)
    dns_b = dp.cfg.data_dir / "dhcp" / net_b
    os.kill(read_pid(dns_b / "pid", str(dns_b)) or 0, 9)
    # A new process: a fresh dataplane on the same host. (In a sandbox reconcile only removes
    # namespaces its own instance made, so the new one is told about the old one's.)
    dp2 = lab.dataplane(host)
    dp2.namespaces = set(dp.namespaces)
    sync2 = local_sync(db, dp2, [HOST], real=True, on_vif_event=None)[0]
    await sync2.start()
    try:
        result = await sync2.settle()
        assert result is not None and result.full and result.errors == []
        assert names.bridge_name(net_b) in links(host)             # repaired
        assert read_pid(dns_b / "pid", str(dns_b)) is not None
        assert names.bridge_name(net_a) not in links(host)         # leftovers removed
        assert names.dhcp_ns(net_a) not in list_netns()
        assert read_pid(dns_dir / "pid", str(dns_dir)) is None
    finally:
        await sync2.stop()


async def test_admin_down_port_forwards_nothing_and_says_down(
        lab: Lab, db: Database) -> None:  # noqa: F811
    host = lab.netns("host")
    dp = lab.dataplane(host)
    sync = local_sync(db, dp, [HOST], real=True)[0]
    await sync.start()
    try:
        net, _ = await make_network(db, "10.73.0.0/24")
        port, ip, guest = await make_port(db, lab, host, net, "i-" + secrets.token_hex(8))
        assert (await sync.settle()).errors == []       # type: ignore[union-attr]
        tap, bridge = names.tap_name(port.id), names.bridge_name(net)
        assert await port_status(db, port.id) == "ACTIVE"
        assert await asyncio.to_thread(lab.dhcp, guest) == ip

        async with db.write() as s:
            p = await s.get(m.Port, port.id)
            assert p is not None
            await ports.update_port(s, CTX, p, {"admin_state_up": False})
        assert (await sync.settle()).errors == []       # type: ignore[union-attr]
        assert await port_status(db, port.id) == "DOWN"
        shown = sh("ip", "link", "show", tap, ns=host).stdout
        assert "UP" not in shown.split("<", 1)[1].split(">", 1)[0].split(","), shown
        assert f"master {bridge}" not in shown
        # The guest's end has no carrier: DHCP gets no answer.
        with pytest.raises(AssertionError):
            await asyncio.to_thread(lab.dhcp, guest)

        async with db.write() as s:
            p = await s.get(m.Port, port.id)
            assert p is not None
            await ports.update_port(s, CTX, p, {"admin_state_up": True})
        assert (await sync.settle()).errors == []       # type: ignore[union-attr]
        assert await port_status(db, port.id) == "ACTIVE"
        assert f"master {bridge}" in sh("ip", "link", "show", tap, ns=host).stdout
        assert await asyncio.to_thread(lab.dhcp, guest) == ip
    finally:
        await sync.stop()


async def test_a_data_dir_others_cannot_search(lab: Lab, db: Database) -> None:  # noqa: F811
    """A data dir of mode 0700 (as `mktemp -d` gives): dnsmasq, which drops root for
    nobody and re-reads its hosts file on SIGHUP, still serves every port. Its files live in
    the data dir's runtime dir, readable by others; nothing else of the data dir is."""
    host = lab.netns("host")
    private = lab.dir / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    dp = lab.dataplane(host, data_dir=private / "network")
    sync = local_sync(db, dp, [HOST], real=True)[0]
    await sync.start()
    try:
        net, _ = await make_network(db, "10.73.0.0/24")
        port, ip, guest = await make_port(db, lab, host, net, "vm-private-1")
        result = await sync.settle()
        assert result is not None and result.errors == []
        assert await port_status(db, port.id) == "ACTIVE"
        assert await asyncio.to_thread(lab.dhcp, guest) == ip
        # a second port: dnsmasq re-reads its hosts file as nobody (SIGHUP) and serves it
        port2, ip2, guest2 = await make_port(db, lab, host, net, "vm-private-2",
                                            "g2")
        result = await sync.settle()
        assert result is not None and result.errors == []
        assert await port_status(db, port2.id) == "ACTIVE"
        assert await asyncio.to_thread(lab.dhcp, guest2) == ip2
        assert not dp.dhcp_root.is_relative_to(private)
        assert dp.dhcp_root.parent.name.startswith("nubo-")
        for d in (dp.dhcp_root.parent, dp.dhcp_root, dp.dhcp_root / net):
            assert d.stat().st_mode & 0o777 == 0o755, d
        assert (private.stat().st_mode & 0o777) == 0o700      # left as the operator made it
    finally:
        await sync.stop()
