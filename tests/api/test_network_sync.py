"""The network sync on an in-process node: with a real dataplane (here a recording stand-in for
`--network linux`) DHCP ports are bound to this host as Neutron's agent keeps them and a
server's port goes ACTIVE with network-vif-plugged delivered; with noop nothing changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nubo.compute.models import InstanceAction, InstanceActionEvent
from nubo.network.service.hostsync.dhcp_ports import dhcp_device_id
from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import BASE, Api, make_settings
from tests.unit.test_network_sync_apply import Recorder

N = "/networking/v2.0"


@pytest.fixture
async def linux(tmp_path: Path) -> AsyncIterator[tuple[Api, Recorder]]:
    """A node whose network sync drives a recording dataplane as it would the Linux one."""
    node = AllInOne(make_settings(tmp_path / "data", network="linux"))
    rec = Recorder()
    node.host.dataplane = node.host.network_agent.dataplane = rec
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            yield api, rec
    finally:
        await node.stop()


async def settle(api: Api) -> None:
    await api.node.controller.network_sync.settle()


async def dhcp_ports(api: Api, net_id: str) -> list[dict[str, Any]]:
    return list((await api.ok("GET", f"{N}/ports?network_id={net_id}"
                                     "&device_owner=network:dhcp"))["ports"])


async def net_with_subnet(api: Api, cidr: str, **subnet: Any) -> tuple[str, str]:
    net = (await api.ok("POST", f"{N}/networks", 201, json={"network": {"name": "n"}}))
    nid = net["network"]["id"]
    sub = await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": nid, "cidr": cidr, "ip_version": 4, **subnet}})
    return str(nid), str(sub["subnet"]["id"])


async def test_linux_binds_dhcp_ports_here_and_drives_the_dataplane(
        linux: tuple[Api, Recorder]) -> None:
    api, rec = linux
    await settle(api)
    host = api.node.host.agents[0].host
    assert api.node.controller.network_sync.events_enabled
    assert api.node.controller.compute.servers.networking.vif_events is True
    private = (await api.ok("GET", f"{N}/networks?name=private"))["networks"][0]["id"]
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]["id"]
    [dhcp] = await dhcp_ports(api, private)
    assert dhcp["binding:host_id"] == host and dhcp["status"] == "ACTIVE"
    assert dhcp["device_id"] == dhcp_device_id(private, host)
    assert dhcp["device_id"].startswith("dhcp") and dhcp["device_id"].endswith(private)
    # the first round reconciles the bootstrap's networks and router1 onto the host
    assert rec.calls[0] == ("reconcile", "")
    router1 = (await api.ok("GET", f"{N}/routers?name=router1"))["routers"][0]["id"]
    applied = api.node.host.network_agent.applied
    assert applied is not None and router1 in applied.routers
    assert {private, public} <= set(applied.networks)
    rec.calls.clear()

    nid, sid = await net_with_subnet(api, "10.44.0.0/24")
    await settle(api)
    [port] = await dhcp_ports(api, nid)
    assert port["binding:host_id"] == host and port["fixed_ips"][0]["subnet_id"] == sid
    assert ("ensure_network", nid) in rec.calls and ("ensure_dhcp", nid) in rec.calls
    rec.calls.clear()

    # a second DHCP subnet: the same DHCP port gets an address on it too
    sub2 = (await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": nid, "cidr": "10.45.0.0/24", "ip_version": 4}}))["subnet"]
    await settle(api)
    [port] = await dhcp_ports(api, nid)
    assert {f["subnet_id"] for f in port["fixed_ips"]} == {sid, sub2["id"]}
    assert ("ensure_dhcp", nid) in rec.calls
    rec.calls.clear()

    await api.ok("DELETE", f"{N}/subnets/{sub2['id']}", 204)
    await api.ok("DELETE", f"{N}/subnets/{sid}", 204)
    await settle(api)
    assert await dhcp_ports(api, nid) == []
    assert rec.calls[-1] == ("delete_network", nid)


async def test_noop_leaves_dhcp_ports_unbound(api: Api) -> None:
    await settle(api)
    assert not api.node.controller.network_sync.events_enabled
    assert api.node.controller.compute.servers.networking.vif_events is False
    private = (await api.ok("GET", f"{N}/networks?name=private"))["networks"][0]["id"]
    [dhcp] = await dhcp_ports(api, private)
    assert "binding:host_id" in dhcp    # admin sees the binding
    assert dhcp["binding:host_id"] == "" and dhcp["device_id"] == f"dhcp-{private}"
    # no dataplane reports ports up: a port bound through the API is ACTIVE at once
    host = api.node.host.agents[0].host
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": private, "binding:host_id": host}}))["port"]
    assert port["binding:host_id"] == host and port["status"] == "ACTIVE"


async def test_a_server_port_goes_active_and_vif_plugged_is_delivered(
        linux: tuple[Api, Recorder]) -> None:
    api, rec = linux
    nid, _ = await net_with_subnet(api, "10.46.0.0/24")
    await settle(api)
    rec.calls.clear()
    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv, networks=[{"uuid": nid}]))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    [port] = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    await settle(api)
    assert ("plug_port", port["id"]) in rec.calls
    port = (await api.ok("GET", f"{N}/ports/{port['id']}"))["port"]
    assert port["status"] == "ACTIVE"
    async with api.node.controller.db.read() as s:
        events = (await s.execute(select(InstanceActionEvent.event,
                                         InstanceActionEvent.traceback).join(
            InstanceAction, InstanceAction.id == InstanceActionEvent.action_id).where(
            InstanceAction.instance_id == sid))).all()
    plugged = [e for e in events if e[0] == "compute_external_instance_event_network-vif-plugged"]
    assert plugged == [("compute_external_instance_event_network-vif-plugged", port["id"])]

    # delete: the port is unplugged
    rec.calls.clear()
    await api.ok("DELETE", f"/compute/v2.1/servers/{sid}", 204)
    await wait(api, sid, "DELETED")
    await settle(api)
    for _ in range(50):
        if ("unplug_port", port["id"]) in rec.calls:
            break
        await asyncio.sleep(0.05)
        await settle(api)
    assert ("unplug_port", port["id"]) in rec.calls


async def test_linux_port_bound_through_the_api_is_down_until_plugged(
        linux: tuple[Api, Recorder]) -> None:
    """As with Neutron's L2 agent: binding alone does not make a port ACTIVE; the host's
    dataplane plugging it does (with noop there is no agent and binding is enough)."""
    api, rec = linux
    await settle(api)
    host = api.node.host.agents[0].host
    nid, _ = await net_with_subnet(api, "10.46.0.0/24")
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": nid, "binding:host_id": host}}))["port"]
    assert port["status"] == "DOWN"
    await settle(api)
    assert ("plug_port", port["id"]) in rec.calls
    shown = (await api.ok("GET", f"{N}/ports/{port['id']}"))["port"]
    assert shown["status"] == "ACTIVE"
