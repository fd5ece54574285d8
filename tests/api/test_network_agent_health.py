"""A dataplane step that keeps failing reaches the user (fake hypervisor, the in-memory
dataplane with a fault injected): the server waiting for its port goes to ERROR within the
vif-plugging timeout with a fault that says the port could not be plugged and why, and
leaves nothing behind; `/healthz` is "degraded" and says what fails; the network agents show
not alive, with the error in their configurations. Once the fault is gone, all recover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from nubo.network.agent.dataplane.fake import FakeDataplane
from nubo.network.service.hostsync.health import AgentHealth
from nubo.network.service.hostsync.loop import NetworkSync
from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import BASE, Api, make_settings

N = "/networking/v2.0"
REFUSED = "dnsmasq: Permission denied"


@pytest.fixture
async def faulty(tmp_path: Path) -> AsyncIterator[tuple[Api, FakeDataplane]]:
    """A node whose host dataplane is the in-memory fake, driven by the real NetworkSync
    (rounds, port status, network-vif-plugged) as the Linux one is."""
    import httpx
    node = AllInOne(make_settings(tmp_path / "d", vif_plugging_timeout=2))
    dp = FakeDataplane()
    health = AgentHealth(node.controller.db, node.controller.network.hostname)
    hosts = [a.host for a in node.host.agents]
    node.host.network_agent.dataplane = dp
    ctl = node.controller
    ctl.network_sync = NetworkSync(ctl.db, node.bus, hosts[0], hosts, real=True,
                                   on_vif_event=ctl._vif_event, health=health)
    node.controller.compute.servers.networking.vif_events = True
    ctl.network.status_from_agent = True       # as a "linux" controller's NetworkApi
    node.app.checks["network_agent"] = health.problem
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            yield api, dp
    finally:
        await node.stop()


async def agents(api: Api) -> list[dict[str, Any]]:
    return (await api.ok("GET", f"{N}/agents"))["agents"]  # type: ignore[no-any-return]


async def healthz(api: Api) -> dict[str, Any]:
    r = await api.client.get("/healthz")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


async def test_a_failing_dataplane_reaches_the_user(faulty: tuple[Api, FakeDataplane]
                                                    ) -> None:
    api, dp = faulty
    sync = api.node.controller.network_sync
    await sync.settle()
    assert (await healthz(api))["status"] == "ok"
    assert all(a["alive"] for a in await agents(api))

    dp.faults["ensure_dhcp"] = REFUSED      # as dnsmasq that cannot read its files
    net, _ = await network(api, "hnet", "192.168.74.0/24")
    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv, networks=[{"uuid": net}]))["server"]["id"]
    srv = await wait(api, sid, "ERROR", timeout=30)
    message = srv["fault"]["message"]
    assert message.startswith(f"Build of instance {sid} aborted: Failed to allocate the "
                              "network(s), not rescheduling. Port(s) ")
    assert "could not be plugged on" in message and REFUSED in message
    assert REFUSED in srv["fault"]["details"]
    # nothing left: no port of the server, no tap, no allocation; the network's DHCP still
    # fails on the host
    assert (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"] == []
    assert (await sync.run_round()).errors
    assert dp.taps == {}
    assert await api.node.controller.placement.service.allocations(sid) == {}

    health = await healthz(api)
    assert health["status"] == "degraded"
    assert REFUSED in health["problems"]["network_agent"]
    listed = await agents(api)
    assert listed and not any(a["alive"] for a in listed)
    assert all(REFUSED in a["configurations"]["sync_error"] for a in listed)
    shown = (await api.ok("GET", f"{N}/agents/{listed[0]['id']}"))["agent"]
    assert shown["alive"] is False

    # the host recovers: the next round is clean, the agents alive, a boot gets its port
    del dp.faults["ensure_dhcp"]
    sync.kick()
    await sync.settle()
    assert (await healthz(api)) == {**health, "status": "ok", "problems": {}}
    listed = await agents(api)
    assert all(a["alive"] and "sync_error" not in a["configurations"] for a in listed)
    sid = (await create(api, img, flv, networks=[{"uuid": net}]))["server"]["id"]
    await wait(api, sid, "ACTIVE", timeout=30)
    [port] = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    assert port["status"] == "ACTIVE" and port["id"] in dp.taps
