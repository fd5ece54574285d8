"""Servers and the network dataplane's network-vif-plugged events (fake hypervisor): a boot
waits for every port to be plugged when the dataplane sends events (vif_events), fails as
Nova does when none comes (vif_plugging_is_fatal), survives a restart without waiting for an
event that was lost, and the ports' binding follows the server when it moves.

The events are sent the way the dataplane's sync sends them: os-server-external-events with
the port id as tag (through the API here), after the port is marked ACTIVE.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from nubo.compute.models import Instance
from nubo.network import models as nm
from tests.api.test_compute_actions_power import V, act
from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import S, create, flavor_id, image_id, wait
from tests.conftest import Api, api_on, make_settings

N = "/networking/v2.0"


async def node_with(tmp_path: Path, **settings: Any) -> AsyncIterator[Api]:
    async with api_on(make_settings(tmp_path / "d", **settings)) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                     json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        api.node.controller.compute.servers.networking.vif_events = True
        yield api


@pytest.fixture
async def events(tmp_path: Path) -> AsyncIterator[Api]:
    """One fake host; the dataplane 'sends events'; a generous timeout."""
    async for api in node_with(tmp_path, vif_plugging_timeout=60):
        yield api


async def ports_of(api: Api, sid: str) -> list[dict[str, Any]]:
    return (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]  # type: ignore[no-any-return]


async def bound_ports(api: Api, sid: str, n: int, host: str | None = None,
                      timeout: float = 30) -> list[dict[str, Any]]:
    """The server's n ports once they are bound (to `host`, when given)."""
    end = asyncio.get_running_loop().time() + timeout
    while True:
        ports = await ports_of(api, sid)
        if len(ports) == n and all(p["binding:host_id"] and
                                   (host is None or p["binding:host_id"] == host)
                                   for p in ports):
            return ports
        assert asyncio.get_running_loop().time() < end, f"ports of {sid}: {ports}"
        await asyncio.sleep(0.02)


async def plugged(api: Api, sid: str, port_id: str, status: str = "completed") -> None:
    """What the dataplane does once a port is plugged: ACTIVE, then the event."""
    async with api.node.controller.db.write() as s:
        await s.execute(update(nm.Port).where(nm.Port.id == port_id).values(status="ACTIVE"))
    got = await api.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
        "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": port_id,
                    "status": status}]})
    assert got["events"][0]["code"] == 200


async def boot(api: Api, nets: list[dict[str, Any]]) -> str:
    img, flv = await image_id(api), await flavor_id(api)
    return str((await create(api, img, flv, networks=nets))["server"]["id"])


async def test_boot_waits_for_every_port(events: Api) -> None:
    api = events
    net1, _ = await network(api, "v1", "192.168.90.0/24")
    net2, _ = await network(api, "v2", "192.168.91.0/24")
    sid = await boot(api, [{"uuid": net1}, {"uuid": net2}])
    ports = await bound_ports(api, sid, 2)
    assert {p["status"] for p in ports} == {"DOWN"}     # until the dataplane plugs them
    await plugged(api, sid, ports[0]["id"])
    await asyncio.sleep(0.3)                             # one of two: still waiting
    srv = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert srv["status"] == "BUILD"
    await plugged(api, sid, ports[1]["id"])
    srv = await wait(api, sid, "ACTIVE")
    # the spec the host got lists both NICs, eth0 on the first network asked for
    conductor = api.node.controller.conductor
    async with api.node.controller.db.read() as s:
        inst = await s.get(Instance, sid)
    vifs = (await conductor.instance_spec(inst))["vifs"]
    by_id = {p["id"]: p for p in ports}
    assert [by_id[v["port_id"]]["network_id"] for v in vifs] == [net1, net2]
    assert [v["mac"] for v in vifs] == [by_id[v["port_id"]]["mac_address"] for v in vifs]
    assert all(v["dev"] == "tap" + v["port_id"][:11] and v["mtu"] for v in vifs)


async def test_no_event_fails_the_build_and_cleans_up(tmp_path: Path) -> None:
    async for api in node_with(tmp_path, vif_plugging_timeout=1):
        net, _ = await network(api, "v1", "192.168.92.0/24")
        given = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
            "network_id": net}}))["port"]
        sid = await boot(api, [{"uuid": net}, {"port": given["id"]}])
        srv = await wait(api, sid, "ERROR")
        assert srv["fault"]["message"] == (f"Build of instance {sid} aborted: Failed to "
                                           f"allocate the network(s), not rescheduling.")
        assert srv["fault"]["code"] == 500
        assert "Virtual Interface creation failed" in srv["fault"]["details"]
        # the port we made is gone, the user's is only unbound; no allocation is left
        assert await ports_of(api, sid) == []
        kept = (await api.ok("GET", f"{N}/ports/{given['id']}"))["port"]
        assert kept["device_id"] == "" and kept["binding:host_id"] == ""
        assert await api.node.controller.placement.service.allocations(sid) == {}
        assert srv["OS-EXT-SRV-ATTR:host"] is not None
        agent = api.node.host.agents[0]
        assert sid not in agent.driver.instances        # never spawned


async def test_failed_event_is_fatal(events: Api) -> None:
    api = events
    net, _ = await network(api, "v1", "192.168.93.0/24")
    sid = await boot(api, [{"uuid": net}])
    [port] = await bound_ports(api, sid, 1)
    await plugged(api, sid, port["id"], status="failed")
    srv = await wait(api, sid, "ERROR")
    assert "failed to plug" in srv["fault"]["details"]


async def test_not_fatal_goes_on(tmp_path: Path) -> None:
    async for api in node_with(tmp_path, vif_plugging_timeout=1, vif_plugging_is_fatal=False):
        net, _ = await network(api, "v1", "192.168.94.0/24")
        sid = await boot(api, [{"uuid": net}])
        await wait(api, sid, "ACTIVE")


async def test_zero_timeout_does_not_wait(tmp_path: Path) -> None:
    async for api in node_with(tmp_path, vif_plugging_timeout=0):
        net, _ = await network(api, "v1", "192.168.95.0/24")
        sid = await boot(api, [{"uuid": net}])
        await wait(api, sid, "ACTIVE", timeout=10)


async def test_restart_does_not_wait_for_a_lost_event(events: Api) -> None:
    """Cut off while waiting (as kill -9 would); meanwhile the dataplane plugged the port
    and its event went nowhere. The resumed build sees the port ACTIVE and goes on; a port
    still DOWN is waited for again and its re-sent event is taken."""
    api = events
    conductor = api.node.controller.conductor
    net, _ = await network(api, "v1", "192.168.96.0/24")
    sid = await boot(api, [{"uuid": net}])
    [port] = await bound_ports(api, sid, 1)
    await conductor.stop()                              # the build's task is gone
    async with api.node.controller.db.write() as s:
        await s.execute(update(nm.Port).where(nm.Port.id == port["id"]).values(
            status="ACTIVE"))
    assert (await api.ok("GET", f"{S}/{sid}"))["server"]["status"] == "BUILD"
    assert (await conductor.reconcile())["resumed"] == 1
    await wait(api, sid, "ACTIVE", timeout=10)

    sid2 = await boot(api, [{"uuid": net}])
    [port2] = await bound_ports(api, sid2, 1)
    await conductor.stop()
    assert (await conductor.reconcile())["resumed"] == 1
    await asyncio.sleep(0.3)
    assert (await api.ok("GET", f"{S}/{sid2}"))["server"]["status"] == "BUILD"
    await plugged(api, sid2, port2["id"])                # the sync plugs it again on start
    await wait(api, sid2, "ACTIVE")


async def test_delete_while_waiting(events: Api) -> None:
    api = events
    net, _ = await network(api, "v1", "192.168.97.0/24")
    sid = await boot(api, [{"uuid": net}])
    await bound_ports(api, sid, 1)
    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED", timeout=10)          # not held by the 60 s wait
    assert await ports_of(api, sid) == []


# ---------------------------------------------------------------------- moves


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Api]:
    async for api in node_with(tmp_path, fake_hosts=2, vif_plugging_timeout=60):
        yield api


async def plug_when_bound(api: Api, sid: str, host: str) -> None:
    [port] = await bound_ports(api, sid, 1, host=host)
    await plugged(api, sid, port["id"])


async def test_ports_follow_moves(two: Api) -> None:
    api = two
    net, _ = await network(api, "v1", "192.168.98.0/24")
    sid = await boot(api, [{"uuid": net}])
    [port] = await bound_ports(api, sid, 1)
    host = port["binding:host_id"]
    await plugged(api, sid, port["id"])
    await wait(api, sid, "ACTIVE")
    other = next(a.host for a in api.node.host.agents if a.host != host)

    async def bound_to() -> str:
        [p] = await ports_of(api, sid)
        return str(p["binding:host_id"])

    # cold migration: bound to the destination (and plugged there) before it runs there
    await act(api, sid, {"migrate": None})
    await plug_when_bound(api, sid, other)
    await wait(api, sid, "VERIFY_RESIZE")
    assert await bound_to() == other
    await act(api, sid, {"revertResize": None})         # back to the source with it
    await plug_when_bound(api, sid, host)
    srv = await wait(api, sid, "ACTIVE")
    assert srv["OS-EXT-SRV-ATTR:host"] == host and await bound_to() == host

    # live migration
    await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
              headers=V)
    await plug_when_bound(api, sid, other)
    srv = await wait(api, sid, "ACTIVE")
    assert srv["OS-EXT-SRV-ATTR:host"] == other and await bound_to() == other

    # shelve offload unbinds, unshelve binds on the host chosen then
    await act(api, sid, {"shelve": None})
    await wait(api, sid, "SHELVED_OFFLOADED")
    [p] = await ports_of(api, sid)
    assert p["binding:host_id"] == "" and p["status"] == "DOWN"
    await act(api, sid, {"unshelve": None})
    [p] = await bound_ports(api, sid, 1)
    await plugged(api, sid, p["id"])
    srv = await wait(api, sid, "ACTIVE")
    assert await bound_to() == srv["OS-EXT-SRV-ATTR:host"]


async def test_move_not_plugged_in_time_stays_put(tmp_path: Path) -> None:
    async for api in node_with(tmp_path, fake_hosts=2, vif_plugging_timeout=1):
        api.node.controller.compute.servers.networking.vif_events = False
        net, _ = await network(api, "v1", "192.168.99.0/24")
        sid = await boot(api, [{"uuid": net}])
        srv = await wait(api, sid, "ACTIVE")
        host = srv["OS-EXT-SRV-ATTR:host"]
        api.node.controller.compute.servers.networking.vif_events = True
        await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
                  headers=V)
        await asyncio.sleep(0.1)
        srv = await wait(api, sid, "ACTIVE")
        assert srv["OS-EXT-SRV-ATTR:host"] == host
        [p] = await ports_of(api, sid)
        assert p["binding:host_id"] == host                 # back on the source
        migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                             headers=V))["migrations"]
        assert migs[0]["status"] == "failed"
