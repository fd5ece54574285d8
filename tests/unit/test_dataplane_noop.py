"""`--network noop`: every call succeeds and nothing is kept."""

from __future__ import annotations

import pytest

from nubo.network.agent.dataplane import get_dataplane
from nubo.network.agent.dataplane.base import DesiredState, NetworkSpec, PortSpec, RouterSpec
from nubo.network.agent.dataplane.noop import NoopDataplane


async def test_noop_accepts_everything() -> None:
    dp = get_dataplane("noop")
    assert isinstance(dp, NoopDataplane)
    net = NetworkSpec("n1")
    port = PortSpec("0123456789abcdef", "n1", "fa:16:3e:00:00:01")
    await dp.ensure_network(net)
    assert await dp.plug_port(port) == "tap0123456789a"
    await dp.ensure_dhcp(net, [port])
    await dp.apply_security_groups([port], [])
    await dp.ensure_router(RouterSpec("r1"))
    await dp.set_floating_ips("r1", [])
    await dp.delete_router("r1")
    await dp.unplug_port(port.id)
    await dp.delete_network(net.id)
    report = await dp.reconcile(DesiredState(networks=(net,), ports=(port,)))
    assert (report.repaired, report.removed, report.errors) == ([], [], [])


def test_unknown_dataplane() -> None:
    with pytest.raises(ValueError, match="noop or linux"):
        get_dataplane("ovs")
