"""`nubo host cleanup`'s dataplane part on the real kernel: the host is as it was before.

The cloud's dataplane is made for real from the network tables (as test_network_sync_linux.py
does, in a `host_netns` sandbox): DevStack's external `public` on a br-ex the dataplane makes,
a `private` network with DHCP (dnsmasq, its metadata proxy, a qdhcp- namespace), `router1`
between them (a qrouter- namespace with its NAT table and metadata proxy), a compute port's
tap, and the `nubo` nft tables. Decoys the cleanup must leave alone: a namespace and a bridge
not named like Nubo's, a tap-named link on no bridge of ours, an nft table of someone else,
and a `qdhcp-` namespace of another cloud (named like Nubo's, not this data dir's).

Then the cleanup, with what the database and the pid files name, and `ip netns`, `ip link`,
`nft list tables` and the processes are compared with before the cloud.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.host_cleanup import owned_from_db
from nubo.network import names
from nubo.network.agent.dataplane.linux.apply_links import list_netns
from nubo.network.agent.dataplane.linux.cleanup import clean_dataplane
from nubo.network.service import networks, ports, subnets
from nubo.network.service.hostsync.wiring import local_sync
from nubo.network.service.router_interfaces import devstack_router1
from tests.integration.test_dataplane_linux import Lab, lab, pytestmark, sh  # noqa: F401
from tests.integration.test_network_sync_linux import HOST, Metadata, db  # noqa: F401

CTX = RequestContext(request_id="req-test", project_id="p-clean",
                     roles=("admin", "member", "reader"))


def host_links(ns: str) -> set[str]:
    return {ln.split()[0].split("@")[0] for ln in sh("ip", "-br", "link", ns=ns).stdout
            .splitlines() if ln.strip()}


def nft_tables(ns: str) -> set[str]:
    return {ln.strip() for ln in sh("nft", "list", "tables", ns=ns).stdout.splitlines()
            if ln.strip()}


def processes_under(path: Path) -> set[int]:
    """dnsmasq and metadata proxies started for files under `path`."""
    out = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmd:
            out.add(int(proc.name))
    return out


async def make_cloud(db: Database) -> str:  # noqa: F811
    """public (flat, external, on br-ex), private with DHCP, router1, a compute port."""
    async with db.write() as s:
        public = await networks.create_network(s, CTX, {
            "name": "public", "router:external": True, "provider:network_type": "flat",
            "provider:physical_network": "public"}, (1, 1000))
        await subnets.create_subnet(s, CTX, {
            "network_id": public.id, "ip_version": 4, "cidr": "172.24.4.0/24",
            "gateway_ip": "172.24.4.1", "enable_dhcp": False})
        private = await networks.create_network(s, CTX, {
            "name": "private", "provider:network_type": "local"}, (1, 1000))
        sub = await subnets.create_subnet(s, CTX, {
            "network_id": private.id, "ip_version": 4, "cidr": "10.74.0.0/26"})
        await devstack_router1(s, CTX, public, sub)
        port = await ports.create_port(s, CTX, {
            "network_id": private.id, "device_owner": "compute:nova",
            "device_id": "i-" + secrets.token_hex(8), "binding:host_id": HOST})
        return str(port.id)


async def test_cleanup_leaves_the_host_as_before_and_decoys_alone(
        lab: Lab, db: Database) -> None:  # noqa: F811
    host = lab.netns("host")
    # decoys, there before the cloud
    lab.netns("decoy")
    other_cloud_ns = names.dhcp_ns(f"{lab.tag}-another-cloud")
    sh("ip", "netns", "add", other_cloud_ns)
    lab.namespaces.append(other_cloud_ns)
    sh("ip", "link", "add", "decoy-br", "type", "bridge", ns=host)
    sh("ip", "tuntap", "add", "tapdecoy", "mode", "tap", ns=host)
    sh("nft", "add", "table", "inet", "decoy", ns=host)
    before = (set(list_netns()), host_links(host), nft_tables(host))

    dp = lab.dataplane(host)
    meta = Metadata(db, lab.dir / "metadata.sock")
    await meta.server.start()
    sync = local_sync(db, dp, [HOST], real=True)[0]
    await sync.start()
    try:
        port = await make_cloud(db)
        result = await sync.settle()
        assert result is not None and result.errors == [], result
    finally:
        await sync.stop()
        await meta.server.stop()
    # the cloud's dataplane stands (and outlives the cloud, as Neutron's agents')
    made_links = host_links(host) - before[1]
    assert {"br-ex", names.tap_name(port)} <= made_links
    assert any(n.startswith(names.BRIDGE_PREFIX) for n in made_links)
    made_ns = set(list_netns()) - before[0]
    assert {n[:6] for n in made_ns} == {"qdhcp-", "qroute"}, made_ns
    assert {"table inet nubo", "table bridge nubo"} <= nft_tables(host)
    assert processes_under(dp.cfg.data_dir)          # dnsmasq and metadata proxies

    owned = await owned_from_db(db)
    owned.add_files(dp.cfg.data_dir)
    removed = await asyncio.to_thread(clean_dataplane, dp.cfg.data_dir, owned, host)

    assert processes_under(dp.cfg.data_dir) == set(), removed
    assert set(list_netns()) == before[0], removed
    assert host_links(host) == before[1], removed
    assert nft_tables(host) == before[2], removed
    # and a second run has nothing left to do
    assert await asyncio.to_thread(clean_dataplane, dp.cfg.data_dir, owned, host) == []


async def test_a_br_ex_the_host_had_is_kept(lab: Lab, db: Database) -> None:  # noqa: F811
    host = lab.netns("host")
    sh("ip", "link", "add", "br-ex", "type", "bridge", ns=host)
    dp = lab.dataplane(host)
    sync = local_sync(db, dp, [HOST], real=True)[0]
    await sync.start()
    try:
        await make_cloud(db)
        result = await sync.settle()
        assert result is not None and result.errors == [], result
    finally:
        await sync.stop()
    owned = await owned_from_db(db)
    owned.add_files(dp.cfg.data_dir)
    removed = await asyncio.to_thread(clean_dataplane, dp.cfg.data_dir, owned, host)
    assert "br-ex" in host_links(host) and "br-ex" not in removed
    assert not any(n.startswith("tap") for n in host_links(host)), host_links(host)
