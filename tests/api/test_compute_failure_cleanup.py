"""Failures leave nothing behind (issue 20): a build that fails on every host, a resize or a
cold migration that fails, and an interface attach that fails each release what they took.

Counted after each failure, over the whole cloud (fake hypervisors, noop dataplane):
- ports: the server's ports (device_id), and the user's own port unbound, not deleted;
- fixed IPs: the addresses allocated on the test's network (but its DHCP port's);
- allocations: every placement usage on every compute provider;
- domains: the fake hypervisors' instances;
- taps: the compute ports each host's dataplane would plug (its desired state), and the NICs
  the fake guests have.
What a server that survives the failure legitimately keeps (its own port, its allocation on
its own host, its domain) is counted as exactly that.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from nubo.compute import states
from nubo.compute.agent.virt.fake import FakeDriver
from nubo.compute.models import Instance
from nubo.core.db import utcnow
from nubo.network import models as nm
from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_compute_actions_power import V, act
from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import S, create, image_id, make_flavor, wait
from tests.conftest import Api, api_on, make_settings

N = "/networking/v2.0"


async def hosts_with(tmp_path: Path, n: int) -> AsyncIterator[Api]:
    async with api_on(make_settings(tmp_path / "d", fake_hosts=n)) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                      json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        yield api


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Api]:
    async for api in hosts_with(tmp_path, 2):
        yield api


def drivers(api: Api) -> dict[str, FakeDriver]:
    return {a.host: a.driver for a in api.node.host.agents}


async def counts(api: Api, sid: str, net: str) -> dict[str, Any]:
    """What the cloud holds for server `sid` (and on network `net`) right now."""
    await api.node.controller.conductor.drain()
    ports = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    async with api.node.controller.db.read() as s:
        ips = (await s.execute(select(func.count()).select_from(nm.IPAllocation).join(
            nm.Port, nm.Port.id == nm.IPAllocation.port_id).where(
            nm.IPAllocation.network_id == net,
            nm.Port.device_owner != "network:dhcp"))).scalar_one()
    usage: dict[str, dict[str, int]] = {}
    placement = api.node.controller.placement.service
    for h in await api.node.controller.conductor.host_states():
        _, used = await placement.provider_usages(h.provider_uuid)
        if any(used.values()):
            usage[h.name] = {k: v for k, v in used.items() if v}
    hosts = list(drivers(api))
    desired = await build_desired(api.node.controller.db, hosts)
    taps = {p.binding_host for p in desired.ports if p.device_owner.startswith("compute:")}
    return {
        "ports": {p["id"]: p["binding:host_id"] for p in ports},
        "fixed_ips": ips,
        "allocations": usage,
        "domains": sorted(h for h, d in drivers(api).items() if sid in d.instances),
        "taps": sorted(h or "" for h in taps),
        "nics": {h: [n["port_id"] for n in d.nics.get(sid, [])]
                 for h, d in drivers(api).items() if d.nics.get(sid)},
    }


async def user_port(api: Api, net: str) -> dict[str, Any]:
    return (await api.ok("POST", f"{N}/ports", 201, json={"port": {  # type: ignore[no-any-return]
        "network_id": net}}))["port"]


async def unbound(api: Api, port_id: str) -> bool:
    port = (await api.ok("GET", f"{N}/ports/{port_id}"))["port"]
    return bool(port["device_id"] == "" and port["device_owner"] == ""
                and port["binding:host_id"] == "")


async def booted(api: Api, net: str, flavor: str) -> tuple[str, str]:
    sid = (await create(api, await image_id(api), flavor,
                        networks=[{"uuid": net}]))["server"]["id"]
    got = await wait(api, sid, "ACTIVE")
    return sid, got["OS-EXT-SRV-ATTR:host"]


def flavor_usage(ram: int) -> dict[str, int]:
    return {"VCPU": 1, "MEMORY_MB": ram, "DISK_GB": 1}


@pytest.mark.parametrize(("hosts", "fault"), [(2, "fail"), (3, "fail"), (2, "error")])
async def test_build_failing_on_every_host_leaves_nothing(tmp_path: Path, hosts: int,
                                                          fault: str) -> None:
    """Two hosts: the third attempt finds no host left (NoValidHost after retries); three:
    the retries run out on the last host's failure; `error`: the driver breaks outside its
    contract. Either way nothing is left."""
    async for api in hosts_with(tmp_path, hosts):
        net, _ = await network(api, "fnet", "192.168.70.0/24")
        given = await user_port(api, net)
        broken = await make_flavor(api, "broken", 128, extra={"nubo_fake:spawn": fault})
        sid = (await create(api, await image_id(api), broken, networks=[
            {"uuid": net}, {"port": given["id"]}]))["server"]["id"]
        got = await wait(api, sid, "ERROR", timeout=20)
        assert "Exceeded maximum number of retries" in got["fault"]["message"]
        left = await counts(api, sid, net)
        assert left == {"ports": {}, "fixed_ips": 1, "allocations": {}, "domains": [],
                        "taps": [], "nics": {}}
        assert await unbound(api, given["id"])       # the user's port: kept, unbound
        assert got["addresses"] == {}


@pytest.mark.parametrize("fault", ["fail", "error"])
async def test_resize_that_fails_keeps_only_what_the_server_had(two: Api, fault: str) -> None:
    api = two
    net, _ = await network(api, "rnet", "192.168.71.0/24")
    small = await make_flavor(api, "small", 128)
    sid, host = await booted(api, net, small)
    before = await counts(api, sid, net)
    assert before["allocations"] == {host: flavor_usage(128)}
    # the new flavor's spawn fails, on whichever host the resize lands
    broken = await make_flavor(api, "big-broken", 256, extra={"nubo_fake:resize": fault})
    await act(api, sid, {"resize": {"flavorRef": broken}})
    got = await wait(api, sid, "ACTIVE", timeout=20)
    assert got["OS-EXT-SRV-ATTR:host"] == host and got["flavor"]["id"] == small
    left = await counts(api, sid, net)
    assert left == before
    assert left == {"ports": {next(iter(before["ports"])): host}, "fixed_ips": 1,
                    "allocations": {host: flavor_usage(128)}, "domains": [host],
                    "taps": [host], "nics": {}}
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert [m["status"] for m in migs] == ["error"]
    for m in migs:      # the migration's placement consumer holds nothing
        assert await api.node.controller.placement.service.allocations(m["uuid"]) == {}


async def test_migrate_that_fails_keeps_only_what_the_server_had(two: Api) -> None:
    api = two
    net, _ = await network(api, "mnet", "192.168.72.0/24")
    sid, host = await booted(api, net, await make_flavor(api, "small", 128))
    before = await counts(api, sid, net)
    other = next(h for h in drivers(api) if h != host)
    # the destination's domain is defined but the host's answer is lost (an RPC timeout)
    drivers(api)[other].faults["spawn"] = "lost"
    await act(api, sid, {"migrate": None})
    got = await wait(api, sid, "ACTIVE", timeout=20)
    assert got["OS-EXT-SRV-ATTR:host"] == host
    left = await counts(api, sid, net)
    assert left == before
    assert left["domains"] == [host] and left["taps"] == [host]
    assert left["allocations"] == {host: flavor_usage(128)}
    # a plain failure on the destination, and one outside the driver's contract
    for fault in ("fail", "error"):
        drivers(api)[other].faults["spawn"] = fault
        await act(api, sid, {"migrate": None})
        await wait(api, sid, "ACTIVE", timeout=20)
        assert await counts(api, sid, net) == before, fault
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert [m["status"] for m in migs] == ["error"] * 3


@pytest.mark.parametrize("fault", ["fail", "lost"])
async def test_attach_that_fails_leaves_nothing(two: Api, fault: str) -> None:
    api = two
    net, _ = await network(api, "anet", "192.168.73.0/24")
    sid, host = await booted(api, net, await make_flavor(api, "small", 128))
    before = await counts(api, sid, net)
    given = await user_port(api, net)
    drivers(api)[host].faults["attach_interface"] = fault
    r = await api.req("POST", f"{S}/{sid}/os-interface", json={
        "interfaceAttachment": {"net_id": net}})
    assert r.status_code == 500 and "computeFault" in r.json(), r.text
    r = await api.req("POST", f"{S}/{sid}/os-interface", json={
        "interfaceAttachment": {"port_id": given["id"]}})
    assert r.status_code == 500, r.text
    left = await counts(api, sid, net)
    assert left == {**before, "fixed_ips": 2}       # the boot port's and the user's
    assert left["nics"] == {} and left["taps"] == [host]
    assert await unbound(api, given["id"])
    ifaces = (await api.ok("GET", f"{S}/{sid}/os-interface"))["interfaceAttachments"]
    assert [i["port_id"] for i in ifaces] == list(before["ports"])



async def held(api: Api, consumer: str) -> dict[str, dict[str, int]]:
    """A placement consumer's allocations by host name."""
    names = {h.provider_uuid: h.name
             for h in await api.node.controller.conductor.host_states()}
    allocs = await api.node.controller.placement.service.allocations(consumer)
    return {names[p]: dict(r) for p, r in allocs.items()}


async def test_operations_timed_out_after_a_restart_release_what_they_took(
        tmp_path: Path) -> None:
    """What `kill -9` leaves and nobody resumes in time: a build stuck spawning and a cold
    migration stuck on its destination. The next node's reconcile fails each (ERROR, "Timed
    out") and releases what it held: the build everything; the migration its claim on the
    destination, the source's allocation going back to the instance."""
    settings = make_settings(tmp_path / "d", fake_hosts=2)
    async with api_on(settings) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                     json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        net, _ = await network(api, "tnet", "192.168.75.0/24")
        small = await make_flavor(api, "small", 128)
        build, _ = await booted(api, net, small)
        moved, host = await booted(api, net, small)
        other = next(h for h in drivers(api) if h != host)
        drivers(api)[other].faults["spawn"] = "slow=60"     # the destination takes its time
        await act(api, moved, {"migrate": None})
        for _ in range(400):
            migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={moved}",
                                 headers=V))["migrations"]
            if migs and migs[0]["status"] == "migrating":
                break
            await asyncio.sleep(0.02)
        mig = migs[0]["uuid"]
        assert await held(api, moved) == {other: flavor_usage(128)}
        assert await held(api, mig) == {host: flavor_usage(128)}
    stale = utcnow() - timedelta(hours=2)
    async with api.node.controller.db.write() as s:    # the node stopped two hours ago, cut off
        await s.execute(update(Instance).where(Instance.id == build).values(
            vm_state="building", task_state="spawning", task_started_at=stale))
        await s.execute(update(Instance).where(Instance.id == moved).values(
            task_started_at=stale))
    async with api_on(settings) as api:
        got = await wait(api, build, "ERROR", timeout=20)
        assert "Timed out" in got["fault"]["message"]
        left = await counts(api, build, net)
        assert (left["ports"], left["domains"], left["nics"]) == ({}, [], {})
        assert await held(api, build) == {}
        got = await wait(api, moved, "ERROR", timeout=20)
        assert "Timed out" in got["fault"]["message"]
        assert got["OS-EXT-SRV-ATTR:host"] == host
        assert await held(api, moved) == {host: flavor_usage(128)}
        assert await held(api, mig) == {}
        left = await counts(api, moved, net)
        assert left["allocations"] == {host: flavor_usage(128)}
        assert left["domains"] == [host] and left["taps"] == [host]
        assert list(left["ports"].values()) == [host]
        assert left["fixed_ips"] == 1       # the build's address went, this one's stays


@pytest.mark.parametrize("fault", ["fail", "error"])
async def test_unshelve_that_fails_leaves_nothing_on_the_hosts(two: Api, fault: str) -> None:
    """An offloaded server whose unshelve fails on the host it was given stays offloaded
    and holds what an offloaded server holds: its port, unbound; no allocation, no guest."""
    api = two
    net, _ = await network(api, "unet", "192.168.76.0/24")
    sid, _ = await booted(api, net, await make_flavor(api, "small", 128))
    await act(api, sid, {"shelve": None})
    await wait(api, sid, "SHELVED_OFFLOADED")
    shelved = await counts(api, sid, net)
    assert shelved["allocations"] == {} and shelved["domains"] == []
    assert list(shelved["ports"].values()) == [""] and shelved["taps"] == []
    for d in drivers(api).values():
        d.faults["spawn"] = fault
    await act(api, sid, {"unshelve": None})
    got = await wait(api, sid, "SHELVED_OFFLOADED", timeout=20)
    assert got["OS-EXT-SRV-ATTR:host"] is None
    assert await counts(api, sid, net) == shelved


@pytest.mark.parametrize("fault", ["fail", "error"])
async def test_evacuate_that_fails_leaves_nothing_on_the_destination(two: Api,
                                                                     fault: str) -> None:
    """The source is down; the rebuild on the destination fails: the server stays where it
    was (its port and allocation on the source), the destination holds nothing of it."""
    from tests.api.test_compute_actions_moves import force_down
    api = two
    net, _ = await network(api, "enet", "192.168.77.0/24")
    sid, host = await booted(api, net, await make_flavor(api, "small", 128))
    before = await counts(api, sid, net)
    other = next(h for h in drivers(api) if h != host)
    next(a for a in api.node.host.agents if a.host == host).down = True
    await force_down(api, host)
    drivers(api)[other].faults["spawn"] = fault
    await act(api, sid, {"evacuate": {"onSharedStorage": False}}, 200)
    got = await wait(api, sid, ("ACTIVE", "ERROR"), timeout=20)
    assert got["OS-EXT-SRV-ATTR:host"] == host
    assert await counts(api, sid, net) == before
    assert sid not in drivers(api)[other].instances


@pytest.mark.parametrize("move", ["live", "evacuate"])
async def test_live_migration_or_evacuation_timed_out_releases_its_destination(
        tmp_path: Path, move: str) -> None:
    """A live migration (or an evacuation, its source down) stuck spawning on its
    destination when the node stopped, its guest already there (the answer lost), and
    nobody resumes it in time: the next node's reconcile fails it (ERROR, "Timed out") on
    its source and releases the destination: the guest goes, the source's allocation is the
    instance's again (the migration consumer holds nothing), the ports are bound to the
    source; the record is 'error' (Nova's live-migration rollback) or 'failed' (Nova's
    failed rebuild of an evacuation)."""
    from tests.api.test_compute_actions_moves import force_down
    settings = make_settings(tmp_path / "d", fake_hosts=2)
    async with api_on(settings) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                     json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        net, _ = await network(api, "mnet", "192.168.78.0/24")
        sid, host = await booted(api, net, await make_flavor(api, "small", 128))
        other = next(h for h in drivers(api) if h != host)
        drivers(api)[other].faults["spawn"] = "slow=60"     # the destination takes its time
        if move == "live":
            await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
                      headers=V)
        else:
            next(a for a in api.node.host.agents if a.host == host).down = True
            await force_down(api, host)
            await act(api, sid, {"evacuate": {"onSharedStorage": False}}, 200)
        busy = "running" if move == "live" else "rebuilding"
        dest = drivers(api)[other]
        # the record says running/rebuilding before the ports are bound and the spawn
        # starts: wait for the destination's spawn itself to be under way
        for _ in range(1500):
            migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                                 headers=V))["migrations"]
            if migs and migs[0]["status"] == busy and sid in dest.spawning:
                break
            await asyncio.sleep(0.02)
        assert sid in dest.spawning, "the destination never started spawning"
        mig = migs[0]["uuid"]
        assert await held(api, sid) == {other: flavor_usage(128)}
        assert await held(api, mig) == {host: flavor_usage(128)}
        dest.instances[sid] = states.RUNNING        # the guest got there, the answer did not
        await dest._save()
    async with api.node.controller.db.write() as s:    # the node stopped two hours ago, cut off
        await s.execute(update(Instance).where(Instance.id == sid).values(
            task_started_at=utcnow() - timedelta(hours=2)))
    async with api_on(settings) as api:
        got = await wait(api, sid, "ERROR", timeout=20)
        assert "Timed out" in got["fault"]["message"]
        assert got["OS-EXT-SRV-ATTR:host"] == host
        assert await held(api, sid) == {host: flavor_usage(128)}
        assert await held(api, mig) == {}
        left = await counts(api, sid, net)
        assert left["allocations"] == {host: flavor_usage(128)}
        assert sid not in drivers(api)[other].instances
        assert list(left["ports"].values()) == [host]
        migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                             headers=V))["migrations"]
        assert [m["status"] for m in migs] == ["error" if move == "live" else "failed"]
