"""Glance v2 API: records, listing, data, sharing, import, and what bad input leaves behind."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api

PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
OCTETS = {"Content-Type": "application/octet-stream"}


async def make(api: Api, token: str | None = None, **kw: Any) -> dict[str, Any]:
    body = {"name": "img", "disk_format": "raw", "container_format": "bare", **kw}
    return await api.ok("POST", "/image/v2/images", 201, token=token, json=body)


async def upload(api: Api, image_id: str, data: bytes, token: str | None = None,
                 status: int = 204, **kw: Any) -> Any:
    r = await api.req("PUT", f"/image/v2/images/{image_id}/file", token=token,
                      content=data, headers={**OCTETS, **kw.pop("headers", {})}, **kw)
    assert r.status_code == status, r.text
    return r


def store_files(api: Api) -> list[Path]:
    root = api.node.settings.data_dir / "images"
    return sorted(p for p in root.rglob("*") if p.is_file())


def qcow2(tmp_path: Path, name: str, *extra: str) -> bytes:
    path = tmp_path / name
    subprocess.run(["qemu-img", "create", "-f", "qcow2", *extra, str(path), "16M"],
                   check=True, capture_output=True)
    return path.read_bytes()


async def test_create_show_update_delete(api: Api) -> None:
    img = await make(api, tags=["a"], os_distro="debian", min_ram=64)
    assert img["status"] == "queued" and img["visibility"] == "shared"
    assert img["os_distro"] == "debian" and img["tags"] == ["a"] and img["min_ram"] == 64
    assert img["self"] == f"/v2/images/{img['id']}" and img["size"] is None
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got == img
    patched = await api.ok("PATCH", f"/image/v2/images/{img['id']}", headers=PATCH, json=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "remove", "path": "/os_distro"},
        {"op": "replace", "path": "/tags", "value": ["x", "y"]}])
    assert patched["name"] == "renamed" and patched["hw_disk_bus"] == "virtio"
    assert "os_distro" not in patched and patched["tags"] == ["x", "y"]
    await api.ok("PUT", f"/image/v2/images/{img['id']}/tags/z", 204)
    await api.ok("DELETE", f"/image/v2/images/{img['id']}/tags/x", 204)
    await api.ok("DELETE", f"/image/v2/images/{img['id']}/tags/nope", 404)
    await api.ok("PATCH", f"/image/v2/images/{img['id']}", headers=PATCH,
                 json=[{"op": "replace", "path": "/protected", "value": True}])
    await api.ok("DELETE", f"/image/v2/images/{img['id']}", 403)
    await api.ok("PATCH", f"/image/v2/images/{img['id']}", headers=PATCH,
                 json=[{"op": "replace", "path": "/protected", "value": False}])
    await api.ok("DELETE", f"/image/v2/images/{img['id']}", 204)
    await api.ok("GET", f"/image/v2/images/{img['id']}", 404)


async def test_upload_download_checksums_and_ranges(api: Api) -> None:
    data = bytes(range(256)) * 4096 + b"tail"
    img = await make(api)
    await upload(api, img["id"], data)
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got["status"] == "active" and got["size"] == len(data)
    assert got["checksum"] == hashlib.md5(data).hexdigest()
    assert got["os_hash_algo"] == "sha512"
    assert got["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert got["virtual_size"] == len(data)
    r = await api.req("GET", f"/image/v2/images/{img['id']}/file")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-md5"] == got["checksum"]
    r = await api.req("GET", f"/image/v2/images/{img['id']}/file",
                      headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    # a second upload to an active image is a conflict and changes nothing
    r = await upload(api, img["id"], b"other", status=409)
    assert (await api.req("GET", f"/image/v2/images/{img['id']}/file")).content == data
    # no data yet: 204
    empty = await make(api)
    r = await api.req("GET", f"/image/v2/images/{empty['id']}/file")
    assert r.status_code == 204


async def test_qcow2_is_inspected(api: Api, tmp_path: Path) -> None:
    good = qcow2(tmp_path, "good.qcow2")
    img = await make(api, disk_format="qcow2")
    await upload(api, img["id"], good)
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got["status"] == "active" and got["virtual_size"] == 16 * 1024 * 1024


@pytest.mark.parametrize("case", ["garbage-as-qcow2", "backing-file", "data-file",
                                  "qcow2-as-raw"])
async def test_unsafe_or_mislabelled_data_is_refused(api: Api, tmp_path: Path,
                                                     case: str) -> None:
    if case == "garbage-as-qcow2":
        fmt, data = "qcow2", b"\x00garbage" * 1000
    elif case == "backing-file":
        base = tmp_path / "base.raw"
        base.write_bytes(b"\0" * 1024)
        fmt, data = "qcow2", qcow2(tmp_path, "b.qcow2", "-b", str(base), "-F", "raw")
    elif case == "data-file":
        fmt, data = "qcow2", qcow2(tmp_path, "d.qcow2", "-o",
                                   f"data_file={tmp_path / 'external.raw'}")
    else:
        fmt, data = "raw", qcow2(tmp_path, "q.qcow2")
    img = await make(api, disk_format=fmt)
    r = await upload(api, img["id"], data, status=400)
    assert "disk_format" in r.text or "unsafe" in r.text
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got["status"] == "queued" and got["size"] is None
    assert store_files(api) == []
    assert (await api.req("GET", f"/image/v2/images/{img['id']}/file")).status_code == 204


async def test_cut_off_and_oversized_uploads_leave_nothing(api: Api) -> None:
    img = await make(api)

    async def short() -> Any:
        yield b"x" * 1024
    # claims 10 GiB, sends 1 KiB: refused before reading (cap and quota), nothing kept
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", content=short(),
                      headers={**OCTETS, "Content-Length": str(10 * 1024**3)})
    assert r.status_code in (400, 413)
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got["status"] == "queued" and store_files(api) == []
    # the image can still be uploaded afterwards
    await upload(api, img["id"], b"y" * 100)


async def test_upload_needs_formats_and_octet_stream(api: Api) -> None:
    img = (await api.ok("POST", "/image/v2/images", 201, json={"name": "bare"}))
    r = await upload(api, img["id"], b"x", status=400)
    assert "disk_format" in r.text
    img = await make(api)
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", content=b"x",
                      headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


async def test_bad_metadata_is_refused(api: Api) -> None:
    before = len((await api.ok("GET", "/image/v2/images"))["images"])
    for body, status in [({"status": "active"}, 403), ({"size": 5}, 403),
                         ({"os_glance_x": "1"}, 403), ({"disk_format": "floppy"}, 400),
                         ({"min_ram": -1}, 400), ({"visibility": "everyone"}, 400),
                         ({"custom": 5}, 400), ({"name": "x" * 256}, 400),
                         ({"id": "not-a-uuid"}, 400)]:
        r = await api.req("POST", "/image/v2/images", json=body)
        assert r.status_code == status, (body, r.text)
    r = await api.req("POST", "/image/v2/images", content=b"{",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert len((await api.ok("GET", "/image/v2/images"))["images"]) == before
    img = await make(api)
    url = f"/image/v2/images/{img['id']}"
    assert (await api.req("PATCH", url, json=[])).status_code == 415
    for ops, status in [([{"op": "replace", "path": "/status", "value": "active"}], 403),
                        ([{"op": "move", "path": "/name"}], 400),
                        ([{"op": "replace", "path": "/min_ram", "value": "x"}], 400),
                        ([{"op": "remove", "path": "/nope"}], 409),
                        ([{"op": "replace", "path": "/a/b", "value": "1"}], 400),
                        ({"op": "add"}, 400)]:
        r = await api.req("PATCH", url, json=ops, headers=PATCH)
        assert r.status_code == status, (ops, r.text)
    assert (await api.ok("GET", url))["name"] == "img"


async def test_listing_filters_sorting_and_pages(api: Api) -> None:
    ids = []
    for i in range(7):
        img = await make(api, name=f"n{i}", tags=["even"] if i % 2 == 0 else ["odd"],
                         os_distro="debian" if i < 3 else "fedora")
        ids.append(img["id"])
    page = await api.ok("GET", "/image/v2/images?limit=3&sort_key=name&sort_dir=asc")
    assert [i["name"] for i in page["images"]] == ["n0", "n1", "n2"]
    seen = [i["name"] for i in page["images"]]
    while "next" in page:
        page = await api.ok("GET", "/image" + page["next"])
        seen += [i["name"] for i in page["images"]]
    assert seen == [f"n{i}" for i in range(7)]
    assert [i["name"] for i in (await api.ok(
        "GET", "/image/v2/images?tag=even&sort=name:desc"))["images"]] == ["n6", "n4", "n2",
                                                                            "n0"]
    assert len((await api.ok("GET", "/image/v2/images?os_distro=debian"))["images"]) == 3
    assert len((await api.ok("GET", f"/image/v2/images?id=in:{ids[0]},{ids[1]}"))[
        "images"]) == 2
    assert (await api.ok("GET", "/image/v2/images?name=n5"))["images"][0]["id"] == ids[5]
    for bad in ("limit=-1", "limit=x", "sort_key=bogus", "sort_dir=up", "visibility=x",
                "marker=00000000-0000-0000-0000-000000000000", "size_min=x",
                "created_at=after:2020", "member_status=maybe"):
        r = await api.req("GET", f"/image/v2/images?{bad}")
        assert r.status_code == 400, (bad, r.text)


async def test_sharing_and_visibility(api: Api) -> None:
    await api.make_project("other")
    await api.make_user("bob", "pw", project="other")
    await api.make_user("eve", "pw", project="demo")
    bob = await api.token("bob", "pw", "other")
    eve = await api.token("eve", "pw", "demo")
    other = await api.project_id("other")
    private = await make(api, name="private", visibility="private")
    shared = await make(api, name="shared")
    public = await make(api, name="pub", visibility="public")
    community = await make(api, name="comm", visibility="community")
    names = {i["name"] for i in (await api.ok("GET", "/image/v2/images", token=bob))["images"]}
    assert names == {"pub"}
    await api.ok("GET", f"/image/v2/images/{private['id']}", 404, token=bob)
    await api.ok("GET", f"/image/v2/images/{community['id']}", token=bob)
    community_list = await api.ok("GET", "/image/v2/images?visibility=community", token=bob)
    assert [i["name"] for i in community_list["images"]] == ["comm"]
    # members
    await api.ok("POST", f"/image/v2/images/{private['id']}/members", 403,
                 json={"member": other})
    m = await api.ok("POST", f"/image/v2/images/{shared['id']}/members", json={"member": other})
    assert m["status"] == "pending" and m["member_id"] == other
    await api.ok("POST", f"/image/v2/images/{shared['id']}/members", 409,
                 json={"member": other})
    # pending: visible by id, not in the default list
    await api.ok("GET", f"/image/v2/images/{shared['id']}", token=bob)
    names = {i["name"] for i in (await api.ok("GET", "/image/v2/images", token=bob))["images"]}
    assert "shared" not in names
    await api.ok("PUT", f"/image/v2/images/{shared['id']}/members/{other}", token=bob,
                 json={"status": "accepted"})
    names = {i["name"] for i in (await api.ok("GET", "/image/v2/images", token=bob))["images"]}
    assert names == {"pub", "shared"}
    # a member cannot change the image or add members; a stranger sees nothing
    await api.ok("PATCH", f"/image/v2/images/{shared['id']}", 403, token=bob, headers=PATCH,
                 json=[{"op": "replace", "path": "/name", "value": "mine"}])
    await api.ok("DELETE", f"/image/v2/images/{shared['id']}", 403, token=bob)
    await api.ok("GET", f"/image/v2/images/{shared['id']}", 404, token=eve)
    # only admins publicize
    mine = await make(api, token=eve, name="eve-img")
    await api.ok("PATCH", f"/image/v2/images/{mine['id']}", 403, token=eve, headers=PATCH,
                 json=[{"op": "replace", "path": "/visibility", "value": "public"}])
    await api.req("POST", "/image/v2/images", token=eve, json={"visibility": "public"})
    await api.ok("POST", "/image/v2/images", 403, token=eve, json={"visibility": "public"})
    # removing the member hides the image again
    await api.ok("DELETE", f"/image/v2/images/{shared['id']}/members/{other}", 204)
    await api.ok("GET", f"/image/v2/images/{shared['id']}", 404, token=bob)
    del public


async def test_deactivate(api: Api) -> None:
    await api.make_user("rita", "pw", project="demo")
    rita = await api.token("rita", "pw", "demo")
    img = await make(api, token=rita)
    await upload(api, img["id"], b"data", token=rita)
    await api.ok("POST", f"/image/v2/images/{img['id']}/actions/deactivate", 204, token=rita)
    assert (await api.ok("GET", f"/image/v2/images/{img['id']}", token=rita))[
        "status"] == "deactivated"
    await api.ok("GET", f"/image/v2/images/{img['id']}/file", 403, token=rita)
    r = await api.req("GET", f"/image/v2/images/{img['id']}/file")     # admin may
    assert r.status_code == 200 and r.content == b"data"
    await api.ok("POST", f"/image/v2/images/{img['id']}/actions/reactivate", 204, token=rita)
    queued = await make(api)
    await api.ok("POST", f"/image/v2/images/{queued['id']}/actions/deactivate", 409)


async def test_import_glance_direct(api: Api) -> None:
    info = await api.ok("GET", "/image/v2/info/import")
    assert info["import-methods"]["value"] == ["glance-direct"]
    img = await make(api)
    await api.ok("POST", f"/image/v2/images/{img['id']}/import", 409,
                 json={"method": {"name": "glance-direct"}})
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/stage", content=b"staged",
                      headers=OCTETS)
    assert r.status_code == 204
    assert (await api.ok("GET", f"/image/v2/images/{img['id']}"))["status"] == "uploading"
    await api.ok("POST", f"/image/v2/images/{img['id']}/import", 400,
                 json={"method": {"name": "web-download", "uri": "http://x"}})
    await api.ok("POST", f"/image/v2/images/{img['id']}/import", 202,
                 json={"method": {"name": "glance-direct"}})
    await api.node.controller.image.data.wait_imports()
    got = await api.ok("GET", f"/image/v2/images/{img['id']}")
    assert got["status"] == "active" and got["checksum"] == hashlib.md5(b"staged").hexdigest()


async def test_quotas(tmp_path: Path) -> None:
    from tests.conftest import api_on, make_settings
    async with api_on(make_settings(tmp_path / "d", image_count_quota=2,
                                    image_size_quota_gb=1)) as api:
        await make(api)
        await make(api)
        r = await api.req("POST", "/image/v2/images", json={"name": "third"})
        assert r.status_code == 413 and "Quota" in r.text


async def test_schemas_and_discovery(api: Api) -> None:
    r = await api.client.get("/image")
    assert r.status_code == 300
    assert r.json()["versions"][0]["status"] == "CURRENT"
    for name in ("image", "images", "member", "members"):
        assert (await api.ok("GET", f"/image/v2/schemas/{name}"))["name"] == name


async def test_crash_recovery(api: Api) -> None:
    """What a kill -9 mid-upload leaves (an image in saving, a partial temp file, an
    orphaned data file) is repaired by the reconcile that runs on start."""
    img = await make(api)
    assert await api.node.controller.image.images.transition(img["id"], ["queued"], "saving")
    store = api.node.controller.image.store
    (store.tmp / "x.part").write_bytes(b"partial")
    (store.data / "not-an-image").write_bytes(b"orphan")
    staged = await make(api)
    images = api.node.controller.image.images
    assert await images.transition(staged["id"], ["queued"], "uploading")
    assert await images.transition(staged["id"], ["uploading"], "importing")
    store.stage_path(staged["id"]).write_bytes(b"resume me")
    counts = await api.node.controller.image.start()
    await api.node.controller.image.data.wait_imports()
    assert counts == {"requeued": 1, "resumed": 1, "removed": 2}
    assert (await api.ok("GET", f"/image/v2/images/{img['id']}"))["status"] == "queued"
    got = await api.ok("GET", f"/image/v2/images/{staged['id']}")
    assert got["status"] == "active" and got["size"] == 9
    assert [p.name for p in store_files(api)] == [staged["id"]]


async def test_legacy_patch_form_and_strict_slashes(api: Api) -> None:
    img = await make(api)
    got = await api.ok("PATCH", f"/image/v2/images/{img['id']}", headers=PATCH,
                       json=[{"replace": "/name", "value": "old-style"}])
    assert got["name"] == "old-style"
    # an empty id is not the collection: Glance answers 404
    assert (await api.req("GET", "/image/v2/images/")).status_code == 404
    assert (await api.req("DELETE", "/image/v2/images/")).status_code == 404
    assert (await api.client.get("/image/")).status_code == 300
    assert (await api.client.get("/image/v2/")).status_code == 200
