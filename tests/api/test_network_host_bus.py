"""The network host side over the bus and HTTP only: the agent's port status report sets the
port ACTIVE on the controller; Nova's metadata API at /metadata serves only signed requests;
a guest's request reaches it through the host's metadata agent (Unix socket in, HTTP out)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx

from nubo.metadata.app import sign
from nubo.metadata.secret import metadata_secret
from nubo.network import rpc
from nubo.network.agent.metadata_agent import MetadataAgent
from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.api.test_network_sync import linux, settle  # noqa: F401 - the fixture
from tests.conftest import Api, listening_on
from tests.unit.test_network_sync_apply import Recorder

N = "/networking/v2.0"
MD = "/metadata/openstack/latest/meta_data.json"


async def test_agent_reports_port_status_over_the_bus_and_the_port_goes_active(
        linux: tuple[Api, Recorder]) -> None:  # noqa: F811
    api, _ = linux
    await settle(api)
    seen: list[tuple[str, list[str]]] = []

    async def on_status(host: str, up: list[str], present: list[str]) -> None:
        seen.append((host, up))
    api.node.bus.on(rpc.PORT_STATUS, on_status)
    host = api.node.host.agents[0].host
    nid, _ = await network(api, "busnet", "10.46.0.0/24")
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": nid, "device_owner": "compute:nova", "device_id": "vm-x",
        "binding:host_id": host}}))["port"]
    assert port["status"] == "DOWN"
    await settle(api)
    assert any(h == f"{host}:network" and port["id"] in up for h, up in seen)
    assert (await api.ok("GET", f"{N}/ports/{port['id']}"))["port"]["status"] == "ACTIVE"


async def boot(api: Api) -> tuple[str, str, str]:
    """A server on a network of its own: (server id, network id, its address)."""
    nid, _ = await network(api, "mdnet", "10.47.0.0/24")
    srv = await create(api, await image_id(api), await flavor_id(api),
                       networks=[{"uuid": nid}], name="md1")
    sid = srv["server"]["id"]
    await wait(api, sid, "ACTIVE")
    [port] = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    return sid, nid, port["fixed_ips"][0]["ip_address"]


async def test_metadata_api_serves_only_signed_requests(api: Api) -> None:
    sid, _, _ = await boot(api)
    secret = metadata_secret(api.node.settings)
    c = api.client
    assert (await c.get("/metadata/")).status_code == 200       # versions: no instance
    assert (await c.get(MD)).status_code == 400                 # no X-Instance-ID
    project = (await api.ok("GET", f"/compute/v2.1/servers/{sid}"))["server"]["tenant_id"]
    # Nova: the project is required too (400), then the signature (403)
    assert (await c.get(MD, headers={"X-Instance-ID": sid})).status_code == 400
    assert (await c.get(MD, headers={"X-Instance-ID": sid,
                                     "X-Tenant-ID": project})).status_code == 403
    bad = {"X-Instance-ID": sid, "X-Instance-ID-Signature": sign(b"not-the-secret", sid),
           "X-Tenant-ID": project}
    assert (await c.get(MD, headers=bad)).status_code == 403
    # X-Forwarded-For is not believed over HTTP
    assert (await c.get(MD, headers={"X-Forwarded-For": "10.47.0.5",
                                     "X-Neutron-Network-ID": "x"})).status_code == 400
    good = {"X-Instance-ID": sid, "X-Instance-ID-Signature": sign(secret, sid)}
    assert (await c.get(MD, headers=good)).status_code == 400           # no X-Tenant-ID
    r = await c.get(MD, headers={**good, "X-Tenant-ID": project})
    assert r.status_code == 200 and r.json()["uuid"] == sid
    assert r.json()["project_id"] == project
    assert (await c.get(MD, headers={**good, "X-Tenant-ID": "another"})).status_code == 404


@contextlib.asynccontextmanager
async def listening(app: Any) -> Any:
    """The node's app on a free loopback port (as `nubo up` serves it)."""
    async with listening_on(app, 0) as port:
        yield port




async def test_guest_request_through_the_host_metadata_agent(api: Api, tmp_path: Path
                                                             ) -> None:
    sid, nid, ip = await boot(api)
    agent = api.node.host.network_agent
    hosts = [a.host for a in api.node.host.agents]
    # what the controller would have sent the agent (noop here: no rounds run)
    agent.desired = await build_desired(api.node.controller.db, hosts)
    async with listening(api.node.app) as port:
        meta = MetadataAgent(agent.instance_of, f"http://127.0.0.1:{port}/metadata",
                             metadata_secret(api.node.settings), tmp_path / "m.sock")
        await meta.start()
        try:
            assert (tmp_path / "m.sock").stat().st_mode & 0o777 == 0o600
            async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(
                    uds=str(tmp_path / "m.sock")), base_url="http://169.254.169.254") as c:
                # as the namespace's proxy sends it: the guest's address and network
                fwd = {"X-Forwarded-For": ip, "X-Neutron-Network-ID": nid}
                r = await c.get("/openstack/latest/meta_data.json", headers=fwd)
                assert r.status_code == 200 and r.json()["uuid"] == sid
                r = await c.get("/latest/meta-data/hostname", headers=fwd)
                assert r.status_code == 200 and r.text.startswith("md1")
                other = {"X-Forwarded-For": "10.47.0.250", "X-Neutron-Network-ID": nid}
                assert (await c.get("/openstack/latest/meta_data.json",
                                    headers=other)).status_code == 404
        finally:
            await meta.stop()
