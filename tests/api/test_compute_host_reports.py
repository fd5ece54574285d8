"""What a compute host reports up the bus (nubo/compute/rpc.py) reaches the database through
the controller's handlers: lifecycle events, the periodic power-state report, and the
resources it reports when it starts. Every report crosses the in-process bus as JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from nubo.compute import rpc, states
from nubo.compute.agent.manager import AgentOptions, ComputeAgent
from nubo.compute.models import ComputeHost
from nubo.core.db import utcnow
from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import S, create, env, wait
from tests.conftest import BASE, Api, make_settings

__all__ = ["env"]


def test_the_agent_whitelist_is_the_rpc_contract() -> None:
    assert ComputeAgent.RPC_METHODS == rpc.AGENT_METHODS
    for name, method in rpc.METHODS.items():
        assert callable(getattr(ComputeAgent, name)), name
        assert method.since in ("1.0", "1.1", "1.2") and method.doc
    assert "snapshot" not in rpc.AGENT_METHODS      # the controller-path snapshot is gone
    doc = rpc.LifecycleEvent("i-1", "stopped", states.SHUTDOWN).to_dict()
    assert rpc.LifecycleEvent.from_dict(doc) == rpc.LifecycleEvent("i-1", "stopped", 4)
    report = rpc.PowerStateReport({"i-1": states.RUNNING})
    assert rpc.PowerStateReport.from_dict(report.to_dict()) == report


async def _server(api: Api, img: str, flv: str) -> tuple[str, ComputeAgent]:
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    agent = api.node.host.agents[0]
    return sid, agent


async def test_lifecycle_event_from_the_agent_stops_the_server(
        env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid, agent = await _server(api, img, flv)
    seen: list[tuple[str, dict[str, Any]]] = []

    async def spy(host: str, **args: Any) -> None:
        seen.append((host, args))
    agent.bus.on(rpc.LIFECYCLE.name, spy)  # type: ignore[union-attr]
    # the driver saw the guest power itself off: the agent reports it up the bus
    await agent._lifecycle(sid, states.SHUTDOWN)
    assert seen == [(agent.host, {"instance_id": sid, "event": "stopped",
                                  "power_state": states.SHUTDOWN})]
    got = await wait(api, sid, "SHUTOFF")
    assert got["OS-EXT-STS:power_state"] == states.SHUTDOWN
    assert got["OS-EXT-STS:vm_state"] == "stopped"
    # and it starts again as usual
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-start": None})
    await wait(api, sid, "ACTIVE")


async def test_power_state_report_syncs_the_database(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid, agent = await _server(api, img, flv)
    sid2 = (await create(api, img, flv, name="vm2"))["server"]["id"]
    await wait(api, sid2, "ACTIVE")
    driver: Any = agent.driver
    # behind the controller's back: vm paused, vm2's domain gone from the host
    driver.instances[sid] = states.PAUSED_POWER
    del driver.instances[sid2]
    agent.options = AgentOptions(report_power=True)
    await agent.periodic()                      # the agent's own periodic report
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-STS:power_state"] == states.PAUSED_POWER
    gone = await wait(api, sid2, "SHUTOFF")
    assert gone["OS-EXT-STS:power_state"] == states.NOSTATE
    # a report that says what the database says changes nothing
    driver.instances[sid] = states.RUNNING
    await agent.report_power_states()
    counts = await api.node.controller.servers.power_sync.sync(
        agent.host, rpc.PowerStateReport({sid: states.RUNNING}))
    assert counts == {"changed": 0, "gone": 0, "orphans": 0}


async def test_a_report_that_is_not_json_never_reaches_the_controller(
        env: tuple[Api, str, str]) -> None:
    api, _img, _flv = env
    bus = api.node.bus
    with pytest.raises(TypeError):
        await bus.report("h", rpc.POWER_STATES.name, instances={"x": object()})


async def test_resources_reported_on_start_record_the_host(env: tuple[Api, str, str]) -> None:
    api, _img, _flv = env
    agent = api.node.host.agents[0]
    agent.driver.vcpus = 7  # type: ignore[attr-defined]
    await agent.report_resources()
    async with api.node.controller.db.read() as s:
        host = await s.get(ComputeHost, agent.host)
    assert host is not None and host.vcpus == 7


async def _last_seen(api: Api, host: str) -> datetime:
    async with api.node.controller.db.read() as s:
        row = await s.get(ComputeHost, host)
    assert row is not None
    return row.last_seen


async def test_hosts_push_their_heartbeat_and_only_silent_hosts_are_asked(
        env: tuple[Api, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent beats every period (`compute.heartbeat`); the controller writes the
    beats within a second and asks (`report`) only hosts it has not heard from."""
    api, _img, _flv = env
    bus, conductor, agent = api.node.bus, api.node.controller.conductor, api.node.host.agents[0]
    long_ago = utcnow() - timedelta(hours=1)
    async with api.node.controller.db.write() as s:
        await s.execute(update(ComputeHost).values(last_seen=long_ago))
    asked: list[str] = []
    real_call = bus.call

    async def spy(host: str, method: str, timeout: float = 60.0, **kw: Any) -> Any:
        if method == "report":
            asked.append(host)
        return await real_call(host, method, timeout=timeout, **kw)
    monkeypatch.setattr(bus, "call", spy)

    await agent.periodic()                      # the agent's periodic round beats first
    await bus.settled()
    await conductor.heartbeats.stop()           # write what was received now
    assert await _last_seen(api, agent.host) > long_ago
    # the periodic check asks nobody who beat
    assert await conductor.heartbeat([agent.host]) == [] and asked == []

    # a host that stays silent (a 1.2 agent does not beat) is asked, and marked if it answers
    async with api.node.controller.db.write() as s:
        await s.execute(update(ComputeHost).values(last_seen=long_ago))
    assert await conductor.heartbeat([agent.host]) == [] and asked == [agent.host]
    assert await _last_seen(api, agent.host) > long_ago

    # a host that is down neither beats nor answers: it stays unseen and is reported
    async with api.node.controller.db.write() as s:
        await s.execute(update(ComputeHost).values(last_seen=long_ago))
    agent.down = True
    try:
        await agent.periodic()
        await conductor.heartbeats.stop()
        assert await conductor.heartbeat([agent.host]) == [agent.host]
        assert await _last_seen(api, agent.host) == long_ago
    finally:
        agent.down = False


@pytest.mark.parametrize("down_after", [60, 20])
async def test_service_down_time_is_the_setting(tmp_path: Path, down_after: int) -> None:
    """A host last seen 30 s ago: up under Nova's default service_down_time (60 s), down
    under NUBO_SERVICE_DOWN_TIME=20, in os-services and for the scheduler alike."""
    node = AllInOne(make_settings(tmp_path / "data", service_down_time=down_after))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            host = node.host.agents[0].host
            await node.controller.conductor.heartbeats.stop()
            async with node.controller.db.write() as s:
                await s.execute(update(ComputeHost).values(
                    last_seen=utcnow() - timedelta(seconds=30)))
            services = (await api.ok("GET", "/compute/v2.1/os-services?binary=nova-compute")
                        )["services"]
            expected = "up" if down_after == 60 else "down"
            assert [(s["host"], s["state"]) for s in services] == [(host, expected)]
            node.controller.conductor.invalidate_hosts()
            states_ = await node.controller.conductor.host_states()
            assert [h.down for h in states_] == [down_after != 60]
    finally:
        await node.stop()
