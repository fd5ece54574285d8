"""Volumes and images: a volume made from an image (fetched over the image API, checked as an
upload is, bootable, with volume_image_metadata), clones that inherit it, an upload of a
volume to a new image, the bootable and read-only flags, extend of an in-use volume (3.42).
The node listens on a loopback port: the volume work reaches image data over HTTP."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from nubo.image.models import Image
from tests.api.volume.conftest import (
    V3,
    fake,
    fault,
    make_image,
    make_volume,
    mv,
    served,
    settle,
)
from tests.conftest import Api

PAYLOAD = b"nubo-volume-from-image" * 1000


@pytest.fixture
async def iapi(tmp_path: Path) -> AsyncIterator[Api]:
    async with served(tmp_path, volume_driver="fake", volume_capacity_gb=50) as a:
        yield a


def _qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True)


async def _show(api: Api, vid: str, token: str | None = None) -> dict[str, Any]:
    return dict((await api.ok("GET", f"{V3}/volumes/{vid}", 200, token,
                              headers=mv()))["volume"])


async def test_volume_from_image_is_bootable_with_the_images_metadata(iapi: Api) -> None:
    image = await make_image(iapi, PAYLOAD, os_distro="debian", hw_disk_bus="virtio")
    vol = await make_volume(iapi, size=1, imageRef=image, name="from-img")
    got = await _show(iapi, vol["id"])
    assert got["status"] == "available", got
    assert got["bootable"] == "true"
    meta = got["volume_image_metadata"]
    assert meta["image_id"] == image and meta["image_name"] == "vol-src"
    assert meta["disk_format"] == "raw" and meta["os_distro"] == "debian"
    assert meta["checksum"] == hashlib.md5(PAYLOAD).hexdigest()
    # the backend got the image's bytes (the fake keeps their beginning)
    assert fake(iapi).data[vol["id"]].startswith(PAYLOAD)
    # no size: the image's (at least 1 GiB)
    vol2 = await make_volume(iapi, size=None, imageRef=image)  # type: ignore[arg-type]
    assert (await _show(iapi, vol2["id"]))["size"] == 1
    # the bootable filter
    boot = await iapi.ok("GET", f"{V3}/volumes?bootable=true", 200)
    plain = await make_volume(iapi, size=1)
    ids = {v["id"] for v in boot["volumes"]}
    assert ids == {vol["id"], vol2["id"]}
    off = await iapi.ok("GET", f"{V3}/volumes?bootable=false", 200)
    assert {v["id"] for v in off["volumes"]} == {plain["id"]}


async def test_clones_and_volumes_from_snapshots_inherit_bootable(iapi: Api) -> None:
    image = await make_image(iapi, PAYLOAD)
    src = await make_volume(iapi, size=1, imageRef=image)
    clone = await make_volume(iapi, size=2, source_volid=src["id"])
    got = await _show(iapi, clone["id"])
    assert got["status"] == "available" and got["bootable"] == "true"
    assert got["volume_image_metadata"]["image_id"] == image
    snap = (await iapi.ok("POST", f"{V3}/snapshots", 202, json={
        "snapshot": {"volume_id": src["id"]}}))["snapshot"]
    await settle(iapi)
    from_snap = await make_volume(iapi, size=1, snapshot_id=snap["id"])
    assert (await _show(iapi, from_snap["id"]))["bootable"] == "true"


async def test_bad_image_refs_are_cinders_400s(iapi: Api) -> None:
    msg = await fault(iapi, "POST", f"{V3}/volumes", 400, "badRequest",
                      json={"volume": {"size": 1, "imageRef": "no-such-image"}})
    assert msg == ("Invalid input received: Invalid image identifier or unable to access "
                   "requested image.")
    big = await make_image(iapi, PAYLOAD, min_disk=5)
    msg = await fault(iapi, "POST", f"{V3}/volumes", 400, "badRequest",
                      json={"volume": {"size": 2, "imageRef": big}})
    assert msg == ("Invalid input received: Volume size 2GB cannot be smaller than the "
                   "image minDisk size 5GB.")
    queued = (await iapi.ok("POST", "/image/v2/images", 201, json={
        "name": "empty", "disk_format": "raw", "container_format": "bare"}))["id"]
    msg = await fault(iapi, "POST", f"{V3}/volumes", 400, "badRequest",
                      json={"volume": {"size": 1, "imageRef": queued}})
    assert msg == f"Invalid input received: Image {queued} is not active."
    # nothing was made
    assert (await iapi.ok("GET", f"{V3}/volumes", 200))["volumes"] == []


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
async def test_unsafe_image_data_leaves_the_volume_in_error(iapi: Api, tmp_path: Path
                                                            ) -> None:
    """The image's stored data replaced behind the image service's back by a qcow2 with a
    backing file (its checksum made to match): the volume's own safety check refuses it."""
    image = await make_image(iapi, PAYLOAD)
    evil = tmp_path / "evil.qcow2"
    _qemu_img("create", "-q", "-f", "qcow2", "-b", "/etc/passwd", "-F", "raw", str(evil),
              "1M")
    data = evil.read_bytes()
    images = iapi.node.controller.image
    async with images.images.db.write() as s:
        row = await s.get(Image, image)
        assert row is not None and row.location
        images.store.path(row.location).write_bytes(data)
        await s.execute(update(Image).where(Image.id == image).values(
            checksum=hashlib.md5(data).hexdigest(), size=len(data)))
    vol = await make_volume(iapi, size=1, imageRef=image)
    got = await _show(iapi, vol["id"])
    assert got["status"] == "error" and got["bootable"] == "false"
    assert vol["id"] not in fake(iapi).volumes
    scratch = iapi.node.settings.data_dir / "volume-scratch"
    assert not any(scratch.iterdir()), "the fetched image was left behind"


async def test_upload_to_image_makes_an_active_image_of_the_volume(iapi: Api) -> None:
    image = await make_image(iapi, PAYLOAD, os_distro="debian")
    vol = await make_volume(iapi, size=1, imageRef=image)
    r = await iapi.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202, headers=mv(),
                      json={"os-volume_upload_image": {"image_name": "vol-copy",
                                                       "disk_format": "raw"}})
    up = r["os-volume_upload_image"]
    assert up["id"] == vol["id"] and up["status"] == "uploading"
    assert up["image_name"] == "vol-copy" and up["disk_format"] == "raw"
    await settle(iapi)
    assert (await _show(iapi, vol["id"]))["status"] == "available"
    new = await iapi.ok("GET", f"/image/v2/images/{up['image_id']}", 200)
    assert new["status"] == "active" and new["os_distro"] == "debian"
    assert new["owner"] == (await _show(iapi, vol["id"]))["os-vol-tenant-attr:tenant_id"]
    data = await iapi.req("GET", f"/image/v2/images/{up['image_id']}/file")
    assert data.content.startswith(PAYLOAD)
    # a backend that fails: the volume goes back, the half-made image goes
    fake(iapi).inject("upload")  # type: ignore[arg-type]
    r = await iapi.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202, json={
        "os-volume_upload_image": {"image_name": "broken"}})
    await settle(iapi)
    got = await _show(iapi, vol["id"])
    assert got["status"] == "available"
    await iapi.ok("GET", f"/image/v2/images/{r['os-volume_upload_image']['image_id']}", 404)


async def test_upload_refusals(iapi: Api, member: tuple[str, str]) -> None:
    vol = await make_volume(iapi, size=1)
    path = f"{V3}/volumes/{vol['id']}/action"
    await fault(iapi, "POST", path, 400, "badRequest",
                json={"os-volume_upload_image": {"image_name": "x", "disk_format": "vmdk"}})
    await iapi.ok("POST", path, 202, json={"os-reset_status": {"status": "in-use"}})
    msg = await fault(iapi, "POST", path, 400, "badRequest",
                      json={"os-volume_upload_image": {"image_name": "x"}})
    assert "status must be available" in msg
    # another project's volume is not there
    token, _pid = member
    await fault(iapi, "POST", path, 404, "itemNotFound", token=token,
                json={"os-volume_upload_image": {"image_name": "x"}})


async def test_bootable_and_readonly_flags(iapi: Api) -> None:
    vol = await make_volume(iapi, size=1)
    path = f"{V3}/volumes/{vol['id']}/action"
    await iapi.ok("POST", path, 200, json={"os-set_bootable": {"bootable": True}})
    assert (await _show(iapi, vol["id"]))["bootable"] == "true"
    await iapi.ok("POST", path, 200, json={"os-set_bootable": {"bootable": "false"}})
    assert (await _show(iapi, vol["id"]))["bootable"] == "false"
    await fault(iapi, "POST", path, 400, "badRequest",
                json={"os-set_bootable": {"bootable": "perhaps"}})
    for flag in (True, False):
        await iapi.ok("POST", path, 202, json={"os-update_readonly_flag": {"readonly": flag}})
        assert (await _show(iapi, vol["id"]))["metadata"]["readonly"] == str(flag)
    await iapi.ok("POST", path, 202, json={"os-update_readonly_flag": {"readonly": True}})
    # a read-only volume is attached read-only
    att = (await iapi.ok("POST", f"{V3}/attachments", 200, headers=mv(), json={
        "attachment": {"volume_uuid": vol["id"], "connector": {"host": "h1"}}}))
    info = att["attachment"]["connection_info"]
    assert info["data"]["access_mode"] == "ro"


async def test_extend_in_use_at_342_keeps_it_in_use(iapi: Api) -> None:
    vol = await make_volume(iapi, size=1)
    path = f"{V3}/volumes/{vol['id']}/action"
    att = (await iapi.ok("POST", f"{V3}/attachments", 200, headers=mv(), json={
        "attachment": {"volume_uuid": vol["id"], "connector": {"host": "h1"}}}))["attachment"]
    await iapi.ok("POST", f"{V3}/attachments/{att['id']}/action", 204, headers=mv(),
                  json={"os-complete": None})
    assert (await _show(iapi, vol["id"]))["status"] == "in-use"
    msg = await fault(iapi, "POST", path, 400, "badRequest", headers=mv("3.41"),
                      json={"os-extend": {"new_size": 2}})
    assert "must be 'available' to extend" in msg
    await iapi.ok("POST", path, 202, headers=mv("3.42"), json={"os-extend": {"new_size": 2}})
    await settle(iapi)
    got = await _show(iapi, vol["id"])
    assert got["status"] == "in-use" and got["size"] == 2
    assert fake(iapi).volumes[vol["id"]] == 2


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
async def test_file_backend_converts_a_qcow2_image_and_uploads_it_back(tmp_path: Path
                                                                       ) -> None:
    raw = tmp_path / "src.raw"
    raw.write_bytes(PAYLOAD + b"\0" * (1024 * 1024 - len(PAYLOAD)))
    src = tmp_path / "src.qcow2"
    _qemu_img("convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(src))
    async with served(tmp_path, volume_driver="file", volume_capacity_gb=5) as api:
        image = await make_image(api, src.read_bytes(), "qcow2")
        vol = await make_volume(api, size=1, imageRef=image)
        assert (await _show(api, vol["id"]))["status"] == "available"
        path = api.node.settings.data_dir / "volumes" / f"volume-{vol['id']}.qcow2"
        out = tmp_path / "out.raw"
        _qemu_img("convert", "-q", "-f", "qcow2", "-O", "raw", str(path), str(out))
        assert out.stat().st_size == 1024 ** 3           # grown to the volume's size
        with out.open("rb") as f:
            assert f.read(len(PAYLOAD)) == PAYLOAD
        r = await api.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202, json={
            "os-volume_upload_image": {"image_name": "back", "disk_format": "qcow2"}})
        await settle(api)
        new = await api.ok("GET", f"/image/v2/images/{r['os-volume_upload_image']['image_id']}")
        assert new["status"] == "active" and new["disk_format"] == "qcow2"
        assert new["virtual_size"] == 1024 ** 3


async def test_volume_image_metadata_actions(iapi: Api) -> None:
    image = await make_image(iapi, PAYLOAD)
    vol = await make_volume(iapi, size=1, imageRef=image)
    path = f"{V3}/volumes/{vol['id']}/action"
    got = await iapi.ok("POST", path, 200, json={
        "os-set_image_metadata": {"metadata": {"hw_disk_bus": "scsi", "extra": "1"}}})
    assert got["metadata"]["hw_disk_bus"] == "scsi" and got["metadata"]["image_id"] == image
    await iapi.ok("POST", path, 200, json={"os-unset_image_metadata": {"key": "extra"}})
    shown = (await iapi.ok("POST", path, 200, json={"os-show_image_metadata": None}))
    assert "extra" not in shown["metadata"] and shown["metadata"]["hw_disk_bus"] == "scsi"
    assert (await _show(iapi, vol["id"]))["volume_image_metadata"] == shown["metadata"]
    msg = await fault(iapi, "POST", path, 404, "itemNotFound",
                      json={"os-unset_image_metadata": {"key": "extra"}})
    assert msg == f"Glance metadata for volume/snapshot {vol['id']} cannot be found."
