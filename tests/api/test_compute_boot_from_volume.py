"""Boot from volume (block_device_mapping_v2) on the fake hypervisor and the fake volume
backend: a root volume made from an image or an existing bootable volume, attached through
the attachments API before the spawn (vda), listed by os-volume_attachments, released with
the server (deleted when delete_on_termination); Nova's 400s for mappings it refuses; a
volume that cannot be made fails the build. The node listens on loopback: the volume made
from an image fetches it over the image API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from nubo.compute.agent.virt.fake import FakeDriver
from tests.api.test_compute_servers import S, flavor_id, wait
from tests.api.volume.conftest import V3, fake, make_image, make_volume, served, settle
from tests.conftest import Api

PAYLOAD = b"bootable-disk" * 4096


@pytest.fixture
async def bapi(tmp_path: Path) -> AsyncIterator[Api]:
    async with served(tmp_path, volume_driver="fake", volume_capacity_gb=50) as a:
        yield a


def _hv(api: Api) -> FakeDriver:
    agent = api.node.host.agents[0]
    driver = agent.driver
    assert isinstance(driver, FakeDriver)
    return driver


async def _boot(api: Api, bdms: list[dict[str, Any]], status: int = 202,
                **kw: Any) -> Any:
    body = {"server": {"name": kw.pop("name", "bfv"), "flavorRef": await flavor_id(api),
                       "imageRef": kw.pop("imageRef", ""), "block_device_mapping_v2": bdms,
                       **kw}}
    r = await api.req("POST", S, json=body)
    assert r.status_code == status, r.text
    return r.json()


async def _volume(api: Api, vid: str) -> dict[str, Any]:
    return dict((await api.ok("GET", f"{V3}/volumes/{vid}"))["volume"])


async def _gone(api: Api, path: str) -> None:
    for _ in range(200):
        if (await api.req("GET", path)).status_code == 404:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} is still there")


async def test_boot_from_a_volume_made_from_an_image(bapi: Api) -> None:
    image = await make_image(bapi, PAYLOAD, visibility="public")
    srv = (await _boot(bapi, [{"source_type": "image", "destination_type": "volume",
                               "uuid": image, "volume_size": 2, "boot_index": 0,
                               "delete_on_termination": True}]))["server"]
    got = await wait(bapi, srv["id"], "ACTIVE")
    assert got["image"] == ""
    atts = (await bapi.ok("GET", f"{S}/{srv['id']}/os-volume_attachments")
            )["volumeAttachments"]
    assert len(atts) == 1 and atts[0]["device"] == "/dev/vda"
    vid = atts[0]["volumeId"]
    vol = await _volume(bapi, vid)
    assert vol["status"] == "in-use" and vol["bootable"] == "true" and vol["size"] == 2
    assert vol["volume_image_metadata"]["image_id"] == image
    assert vol["attachments"][0]["server_id"] == srv["id"]
    assert got["os-extended-volumes:volumes_attached"] == [{"id": vid}]
    # the host got the volume as its root disk, and the image's bytes are in it
    assert _hv(bapi).volumes[srv["id"]] == {"vda": vid}
    assert fake(bapi).data[vid].startswith(PAYLOAD)
    # no local root disk claimed in placement
    allocs = await bapi.ok("GET", f"/placement/allocations/{srv['id']}")
    resources = next(iter(allocs["allocations"].values()))["resources"]
    assert "DISK_GB" not in resources
    # the root volume is not detached
    r = await bapi.req("DELETE", f"{S}/{srv['id']}/os-volume_attachments/{vid}")
    assert r.status_code == 400 and "Cannot detach a root device volume" in r.text
    # delete: detached and, delete_on_termination, deleted
    await bapi.ok("DELETE", f"{S}/{srv['id']}", 204)
    await _gone(bapi, f"{S}/{srv['id']}")
    await settle(bapi)
    await _gone(bapi, f"{V3}/volumes/{vid}")
    assert vid not in fake(bapi).volumes


async def test_boot_from_an_existing_bootable_volume_keeps_it(bapi: Api) -> None:
    image = await make_image(bapi, PAYLOAD)
    vol = await make_volume(bapi, size=1, imageRef=image)
    data = await make_volume(bapi, size=1)
    srv = (await _boot(bapi, [
        {"source_type": "volume", "destination_type": "volume", "uuid": vol["id"],
         "boot_index": 0},
        {"source_type": "volume", "destination_type": "volume", "uuid": data["id"],
         "boot_index": None, "device_name": "/dev/vdc"}]))["server"]
    await wait(bapi, srv["id"], "ACTIVE")
    atts = {a["volumeId"]: a["device"] for a in (await bapi.ok(
        "GET", f"{S}/{srv['id']}/os-volume_attachments"))["volumeAttachments"]}
    assert atts == {vol["id"]: "/dev/vda", data["id"]: "/dev/vdc"}
    assert _hv(bapi).volumes[srv["id"]] == {"vda": vol["id"], "vdc": data["id"]}
    # the next hot-plugged volume takes a free device
    extra = await make_volume(bapi, size=1)
    att = (await bapi.ok("POST", f"{S}/{srv['id']}/os-volume_attachments", 200, json={
        "volumeAttachment": {"volumeId": extra["id"]}}))["volumeAttachment"]
    assert att["device"] == "/dev/vdb"
    await bapi.ok("DELETE", f"{S}/{srv['id']}", 204)
    await _gone(bapi, f"{S}/{srv['id']}")
    for v in (vol, data, extra):
        got = await _volume(bapi, v["id"])
        assert got["status"] == "available" and got["attachments"] == [], got


async def test_mappings_nova_refuses(bapi: Api) -> None:
    image = await make_image(bapi, PAYLOAD)
    plain = await make_volume(bapi, size=1)
    boot = await make_volume(bapi, size=1, imageRef=image)
    missing = "8f2c3d6e-0000-4000-8000-000000000001"

    async def refused(bdms: list[dict[str, Any]], message: str, **kw: Any) -> None:
        body = await _boot(bapi, bdms, 400, **kw)
        assert body == {"badRequest": {"code": 400, "message": message}}

    await refused([{"source_type": "volume", "destination_type": "volume", "uuid": missing,
                    "boot_index": 0}],
                  f"Block Device Mapping is Invalid: failed to get volume {missing}.")
    await refused([{"source_type": "volume", "destination_type": "volume",
                    "uuid": plain["id"], "boot_index": 0}],
                  f"Block Device {plain['id']} is not bootable.")
    await refused([{"source_type": "image", "destination_type": "volume", "uuid": image,
                    "boot_index": 0}],
                  "Block Device Mapping is Invalid: Images with destination_type 'volume' "
                  "need to have a non-zero size specified")
    await refused([{"source_type": "image", "destination_type": "volume", "uuid": missing,
                    "volume_size": 1, "boot_index": 0}],
                  f"Block Device Mapping is Invalid: failed to get image {missing}.")
    await refused([{"source_type": "snapshot", "destination_type": "volume",
                    "uuid": missing, "boot_index": 0}],
                  f"Block Device Mapping is Invalid: failed to get snapshot {missing}.")
    await refused([{"source_type": "volume", "destination_type": "volume",
                    "uuid": boot["id"], "boot_index": 1}],
                  "Block Device Mapping is Invalid: Boot sequence for the instance and "
                  "image/block device mapping combination is not valid.")
    await refused([{"source_type": "volume", "destination_type": "volume",
                    "uuid": boot["id"], "boot_index": 0}],
                  "Cannot attach one or more volumes to multiple instances", max_count=2)
    await bapi.ok("POST", f"{V3}/volumes/{boot['id']}/action", 202,
                  json={"os-reset_status": {"status": "in-use"}})
    await refused([{"source_type": "volume", "destination_type": "volume",
                    "uuid": boot["id"], "boot_index": 0}],
                  f"Invalid volume: volume '{boot['id']}' status must be 'available'. "
                  "Currently in 'in-use'")
    # nothing was made: no server, no new volume
    assert (await bapi.ok("GET", S))["servers"] == []
    assert len((await bapi.ok("GET", f"{V3}/volumes"))["volumes"]) == 2


async def test_a_volume_that_cannot_be_made_fails_the_build(bapi: Api) -> None:
    image = await make_image(bapi, PAYLOAD)
    fake(bapi).inject("create")
    srv = (await _boot(bapi, [{"source_type": "image", "destination_type": "volume",
                               "uuid": image, "volume_size": 1, "boot_index": 0,
                               "delete_on_termination": True}]))["server"]
    got = await wait(bapi, srv["id"], "ERROR")
    assert got["fault"]["message"].startswith(
        f"Build of instance {srv['id']} aborted: Failure prepping block device.")
    assert srv["id"] not in _hv(bapi).instances
    fake(bapi).clear()
    [made] = (await bapi.ok("GET", f"{V3}/volumes"))["volumes"]
    assert (await _volume(bapi, made["id"]))["status"] == "error"
    # the failed volume (delete_on_termination) goes with the server
    await bapi.ok("DELETE", f"{S}/{srv['id']}", 204)
    await _gone(bapi, f"{S}/{srv['id']}")
    await settle(bapi)
    await _gone(bapi, f"{V3}/volumes/{made['id']}")


async def test_over_the_volume_quota_the_build_fails_with_cinders_reason(bapi: Api) -> None:
    pid = await bapi.project_id("admin")
    await bapi.ok("PUT", f"{V3}/os-quota-sets/{pid}", 200,
                  json={"quota_set": {"gigabytes": 1}})
    image = await make_image(bapi, PAYLOAD)
    srv = (await _boot(bapi, [{"source_type": "image", "destination_type": "volume",
                               "uuid": image, "volume_size": 2, "boot_index": 0}]
                       ))["server"]
    got = await wait(bapi, srv["id"], "ERROR")
    assert "exceeds allowed gigabytes quota" in got["fault"]["message"]
    assert (await bapi.ok("GET", f"{V3}/volumes"))["volumes"] == []
