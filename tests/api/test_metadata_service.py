"""The metadata service on a real node's compute database: both formats and who may ask."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from nubo.metadata.app import MetadataApp, sign
from nubo.metadata.content import InstanceFacts
from nubo.metadata.serve import UnixServer, shared_secret, socket_path
from nubo.metadata.source import InstanceSource
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

SECRET = b"s3cret"


async def boot(api: Api) -> str:
    kp = await api.ok("POST", "/compute/v2.1/os-keypairs", 200, json={"keypair": {
        "name": "mdkey"}})
    srv = await create(api, await image_id(api), await flavor_id(api), name="Meta Data_1",
                       key_name=kp["keypair"]["name"], metadata={"role": "db"},
                       user_data=base64.b64encode(b"#cloud-config\n").decode())
    await wait(api, srv["server"]["id"], "ACTIVE")
    return str(srv["server"]["id"])


def client(app: MetadataApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://169.254.169.254")


async def test_signed_instance_id_reads_both_formats(api: Api) -> None:
    sid = await boot(api)
    app = MetadataApp(InstanceSource(api.node.controller.db).load, None, SECRET)
    project = (await api.ok("GET", f"/compute/v2.1/servers/{sid}"))["server"]["tenant_id"]
    hdr = {"X-Instance-ID": sid, "X-Instance-ID-Signature": sign(SECRET, sid),
           "X-Tenant-ID": project}
    async with client(app) as c:
        # Nova: the proxy names the port's project too; without it, 400 before the signature
        no_tenant = {k: v for k, v in hdr.items() if k != "X-Tenant-ID"}
        r = await c.get("/openstack/latest/meta_data.json", headers=no_tenant)
        assert r.status_code == 400 and "X-Tenant-ID" in r.text, r.text
        md = (await c.get("/openstack/latest/meta_data.json", headers=hdr)).json()
        assert md["uuid"] == sid and md["hostname"] == "meta-data-1"
        assert md["meta"] == {"role": "db"} and list(md["public_keys"]) == ["mdkey"]
        old = await c.get("/openstack/2012-08-10/meta_data.json", headers=hdr)
        assert old.status_code == 200 and json.loads(old.content)["uuid"] == sid
        assert (await c.get("/openstack/latest/user_data", headers=hdr)).content == \
            b"#cloud-config\n"
        listing = (await c.get("/openstack/latest", headers=hdr)).text.split("\n")
        assert "meta_data.json" in listing and "user_data" in listing
        ec2 = await c.get("/latest/meta-data/public-keys/0/openssh-key", headers=hdr)
        assert ec2.text == md["public_keys"]["mdkey"] and ec2.text.startswith("ssh-")
        iid = (await c.get("/2009-04-04/meta-data/instance-id", headers=hdr)).text
        assert iid.startswith("i-") and len(iid) == 10
        assert (await c.get("/latest/user-data", headers=hdr)).content == b"#cloud-config\n"
        assert (await c.get("/openstack/1999-01-01/meta_data.json",
                            headers=hdr)).status_code == 404
        assert (await c.get("/latest/meta-data/nothing", headers=hdr)).status_code == 404
        assert (await c.post("/openstack/latest/meta_data.json",
                             headers=hdr)).status_code == 405


async def test_who_may_ask(api: Api) -> None:
    sid = await boot(api)
    asked: list[tuple[str, str | None, str | None]] = []

    async def resolve(ip: str, net: str | None, router: str | None) -> str | None:
        asked.append((ip, net, router))
        return sid if ip == "10.0.0.5" else None

    load = InstanceSource(api.node.controller.db).load
    untrusted = MetadataApp(load, resolve, SECRET)
    trusted = MetadataApp(load, resolve, SECRET, trusted=True)
    fwd = {"X-Forwarded-For": "10.0.0.5", "X-Neutron-Network-ID": "net-1"}
    async with client(untrusted) as c:
        assert (await c.get("/openstack/latest/meta_data.json")).status_code == 400
        # headers anyone can forge are not believed on an untrusted transport
        assert (await c.get("/openstack/latest/meta_data.json", headers=fwd)).status_code == 400
        bad = {"X-Instance-ID": sid, "X-Instance-ID-Signature": sign(b"other", sid),
               "X-Tenant-ID": "p"}
        assert (await c.get("/openstack/latest/meta_data.json", headers=bad)).status_code == 403
        assert asked == []
        # version listings need no instance
        assert "latest" in (await c.get("/openstack")).text.split("\n")
        assert "2009-04-04" in (await c.get("/")).text.split("\n")
    async with client(trusted) as c:
        r = await c.get("/openstack/latest/meta_data.json", headers=fwd)
        assert r.status_code == 200 and r.json()["uuid"] == sid
        assert asked == [("10.0.0.5", "net-1", None)]
        other = {"X-Forwarded-For": "10.0.0.9", "X-Neutron-Router-ID": "r-1"}
        assert (await c.get("/latest/meta-data/", headers=other)).status_code == 404


async def test_deleted_instance_has_no_metadata(api: Api) -> None:
    sid = await boot(api)
    await api.ok("DELETE", f"/compute/v2.1/servers/{sid}", 204)
    await wait(api, sid, "DELETED")
    assert await InstanceSource(api.node.controller.db).load(sid) is None


@pytest.mark.parametrize("path", ["/openstack/latest/vendor_data2.json",
                                  "/openstack/latest/network_data.json"])
async def test_json_documents_are_json(path: str) -> None:
    facts = InstanceFacts(uuid="u1", seq=1, name="n", hostname="n", project_id="p")

    async def load(iid: str) -> InstanceFacts | None:
        return facts if iid == "u1" else None

    app = MetadataApp(load, None, SECRET)
    async with client(app) as c:
        r = await c.get(path, headers={"X-Instance-ID": "u1", "X-Tenant-ID": "p",
                                       "X-Instance-ID-Signature": sign(SECRET, "u1")})
        assert r.headers["content-type"].startswith("application/json")
        assert isinstance(r.json(), dict)
        r = await c.get(path, headers={"X-Instance-ID": "u2", "X-Tenant-ID": "p",
                                       "X-Instance-ID-Signature": sign(SECRET, "u2")})
        assert r.status_code == 404


async def test_unix_socket_is_root_only_and_trusted(api: Api, tmp_path: Path) -> None:
    sid = await boot(api)

    async def resolve(ip: str, net: str | None, router: str | None) -> str | None:
        return sid if ip == "10.0.0.5" else None

    secret = shared_secret(tmp_path)
    assert shared_secret(tmp_path) == secret and len(secret) == 64
    assert (tmp_path / "keys" / "metadata_secret").stat().st_mode & 0o777 == 0o600
    path = socket_path(tmp_path)
    assert socket_path(tmp_path / ('x' * 120)).name.startswith('nubo-metadata-')
    path.write_text("left by a killed process")
    server = UnixServer(MetadataApp(InstanceSource(api.node.controller.db).load, resolve, secret,
                                    trusted=True), path)
    await server.start()
    try:
        assert path.stat().st_mode & 0o777 == 0o600
        async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=str(path)),
                                     base_url="http://metadata") as c:
            r = await c.get("/openstack/latest/meta_data.json",
                            headers={"X-Forwarded-For": "10.0.0.5"})
            assert r.status_code == 200 and r.json()["uuid"] == sid
    finally:
        await server.stop()
    assert not path.exists()
