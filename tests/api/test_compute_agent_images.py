"""A compute host reaches image data only over the image API: the image cache fetches a base
image with the service user's token (and refuses data whose checksum is not the image's),
and a snapshot is uploaded by the agent itself, ending up as an active image with the
disk's bytes. All against the in-process app over HTTP (httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nubo.compute.agent.images import ImageClient
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.agent.virt.libvirt.imagecache import ImageCache, base_name
from nubo.core.service_auth import AuthFailed, ServiceCredentials, TokenSource
from nubo.image.models import Image
from tests.api.test_compute_servers import S, create, env, flavor_id, wait
from tests.conftest import BASE, Api

__all__ = ["env", "flavor_id"]
pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


@pytest.fixture
async def client(api: Api) -> AsyncIterator[ImageClient]:
    """The agent's image client on the in-process app, logged in as the service user."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.node.app),
                                 base_url=BASE) as http:
        creds = api.node.host.service_credentials
        tokens = TokenSource(ServiceCredentials(BASE + "/identity/v3", creds.username,
                                                creds.password), http)
        yield ImageClient(BASE + "/image", tokens, http)


def _qcow2(path: Path, payload: bytes) -> bytes:
    """A small qcow2 holding `payload` at offset 0; its bytes."""
    raw = path.with_suffix(".raw")
    raw.write_bytes(payload + b"\0" * (1024 * 1024 - len(payload)))
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(path)],
                   check=True)
    return path.read_bytes()


async def _image(api: Api, data: bytes, disk_format: str, project_token: str | None = None,
                 visibility: str = "private") -> str:
    img = await api.ok("POST", "/image/v2/images", 201, token=project_token, json={
        "name": "host-img", "disk_format": disk_format, "container_format": "bare",
        "visibility": visibility})
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", token=project_token,
                      content=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    return str(img["id"])


async def test_image_cache_fetches_over_http_with_the_service_token(
        api: Api, client: ImageClient, tmp_path: Path) -> None:
    data = _qcow2(tmp_path / "src.qcow2", b"nubo-over-http")
    # a private image of another project: the service user may read it all the same
    tok = await api.token("demo", await _demo_password(api), "demo")
    image_id = await _image(api, data, "qcow2", project_token=tok)
    cache = ImageCache(tmp_path / "instances", client.download)
    base = await cache.get({"id": image_id, "disk_format": "qcow2"})
    assert base.format == "qcow2" and base.virtual_size == 1024 * 1024
    assert base.path == tmp_path / "instances" / "_base" / base_name(image_id)
    assert hashlib.md5(base.path.read_bytes()).hexdigest() == hashlib.md5(data).hexdigest()
    # the host's own format inspection still stands: data that is not what the instance's
    # image record says is refused
    raw = await _image(api, b"\0" * 65536, "raw")
    with pytest.raises(SpawnFailed, match="says disk_format qcow2 but its data is raw"):
        await cache.get({"id": raw, "disk_format": "qcow2"})


async def test_image_cache_refuses_data_whose_checksum_is_not_the_images(
        api: Api, client: ImageClient, tmp_path: Path) -> None:
    data = _qcow2(tmp_path / "src.qcow2", b"tampered")
    image_id = await _image(api, data, "qcow2")
    async with api.node.controller.db.write() as s:        # the store's data no longer matches
        img = await s.get(Image, image_id)
        assert img is not None
        img.checksum = hashlib.md5(b"something else").hexdigest()
    cache = ImageCache(tmp_path / "instances", client.download)
    with pytest.raises(SpawnFailed, match="checksum"):
        await cache.get({"id": image_id, "disk_format": "qcow2"})
    assert not list((tmp_path / "instances" / "_base").iterdir())     # nothing left behind


async def test_a_wrong_service_password_is_refused(api: Api, tmp_path: Path) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.node.app),
                                 base_url=BASE) as http:
        tokens = TokenSource(ServiceCredentials(BASE + "/identity/v3", "nova", "wrong"), http)
        with pytest.raises(AuthFailed, match="refused service user 'nova'"):
            await tokens.token()


async def test_snapshot_is_uploaded_by_the_agent(env: tuple[Api, str, str],
                                                 client: ImageClient, tmp_path: Path) -> None:
    api, _raw, flv = env
    img = await _image(api, _qcow2(tmp_path / "src.qcow2", b"booted from"), "qcow2",
                       visibility="public")
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    disk = _qcow2(tmp_path / "disk.qcow2", b"the guest's own disk")
    agent = api.node.host.agents[0]
    written: list[str] = []

    async def snapshot(instance_id: str, target: str) -> bool:
        """What the libvirt driver does (qemu-img convert of the root disk to `target`)."""
        written.append(target)
        await asyncio.to_thread(shutil.copyfile, tmp_path / "disk.qcow2", target)
        return True
    agent.driver.snapshot = snapshot  # type: ignore[method-assign]
    agent.images = client                       # the image API of the in-process app
    r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {"name": "snap"}},
                      headers={"OpenStack-API-Version": "compute 2.45"})
    assert r.status_code == 202, r.text
    snap_id = r.json()["image_id"]
    await wait(api, sid, "ACTIVE")
    shown = await api.ok("GET", f"/image/v2/images/{snap_id}")
    assert shown["status"] == "active" and shown["disk_format"] == "qcow2"
    assert shown["checksum"] == hashlib.md5(disk).hexdigest()
    got = await api.req("GET", f"/image/v2/images/{snap_id}/file")
    assert got.status_code == 200 and got.content == disk
    # written on the host's scratch space, never on a path the controller chose; gone after
    assert written and not await asyncio.to_thread(os.path.exists, written[0])
    assert Path(written[0]).is_relative_to(api.node.settings.data_dir / "snapshots")


async def _demo_password(api: Api) -> str:
    """The demo user's password: set to a known one for the test."""
    uid = (await api.ok("GET", "/v3/users?name=demo"))["users"][0]["id"]
    await api.ok("PATCH", f"/v3/users/{uid}", json={"user": {"password": "demo-pw"}})
    return "demo-pw"
