"""Nova's deprecated /images proxy (to 2.35; its metadata to 2.38) onto the image service:
Nova's view and status mapping, its filters and pages, its refusals, and that a snapshot
made by createImage is seen through it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.compute_schemas import check
from tests.api.test_compute_servers import S, create, env, wait
from tests.conftest import Api

I = "/compute/v2.1/images"  # noqa: E741
G = "/image/v2/images"


async def glance_image(api: Api, name: str, upload: bool = True, token: str | None = None,
                       **kw: Any) -> str:
    body = {"name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": "private", **kw}
    img = await api.ok("POST", G, 201, token=token, json=body)
    if upload:
        r = await api.req("PUT", f"{G}/{img['id']}/file", token=token, content=b"*" * 1024,
                          headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 204, r.text
    return str(img["id"])


async def bad(api: Api, method: str, path: str, status: int, text: str = "",
              token: str | None = None, **kw: Any) -> None:
    r = await api.req(method, path, token=token, **kw)
    assert r.status_code == status, r.text
    if status == 405:
        return
    fault = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
             409: "conflictingRequest"}[status]
    assert r.json()[fault]["code"] == status
    assert text in r.json()[fault]["message"], r.text


async def test_show_list_and_detail_in_novas_shape(api: Api) -> None:
    active = await glance_image(api, "proxy-a", min_ram=64, min_disk=2, os_distro="debian",
                                auto_disk_config="true")
    queued = await glance_image(api, "proxy-q", upload=False)
    shown = await api.ok("GET", f"{I}/{active}")
    check("images", "get_image", shown, 200)
    img = shown["image"]
    assert (img["status"], img["progress"], img["minRam"], img["minDisk"]) == \
        ("ACTIVE", 100, 64, 2)
    assert img["metadata"] == {"os_distro": "debian", "auto_disk_config": "true"}
    assert img["OS-EXT-IMG-SIZE:size"] == 1024 and img["OS-DCF:diskConfig"] == "AUTO"
    assert [link["rel"] for link in img["links"]] == ["self", "bookmark", "alternate"]
    assert img["links"][2]["href"].endswith(f"/image/images/{active}")
    assert "server" not in img
    q = (await api.ok("GET", f"{I}/{queued}"))["image"]
    assert (q["status"], q["progress"], q["OS-EXT-IMG-SIZE:size"]) == ("SAVING", 25, 0)
    await api.ok("POST", f"{G}/{active}/actions/deactivate", 204)
    assert (await api.ok("GET", f"{I}/{active}"))["image"]["status"] == "UNKNOWN"
    await api.ok("POST", f"{G}/{active}/actions/reactivate", 204)

    listed = await api.ok("GET", I)
    check("images", "list_images", listed, 200)
    assert {active, queued} <= {i["id"] for i in listed["images"]}
    assert set(listed["images"][0]) == {"id", "name", "links"}
    detailed = await api.ok("GET", f"{I}/detail")
    check("images", "list_images_details", detailed, 200)
    assert {i["id"]: i["status"] for i in detailed["images"]}[queued] == "SAVING"


async def test_filters_and_pages(api: Api) -> None:
    ids = [await glance_image(api, f"page-{n}", min_ram=n * 100) for n in range(3)]
    by_name = (await api.ok("GET", f"{I}?name=page-1"))["images"]
    assert [i["id"] for i in by_name] == [ids[1]]
    saving = await glance_image(api, "page-saving", upload=False)
    active = {i["id"] for i in (await api.ok("GET", f"{I}/detail?status=ACTIVE"))["images"]}
    assert set(ids) <= active and saving not in active
    big = {i["id"] for i in (await api.ok("GET", f"{I}/detail?minRam=100"))["images"]}
    assert big >= {ids[1], ids[2]} and ids[0] not in big
    prop = {i["id"] for i in (await api.ok("GET", f"{I}?property-hw_x=1"))["images"]}
    assert prop == set()
    created = (await api.ok("GET", f"{I}/{ids[2]}"))["image"]["created"]
    since = {i["id"] for i in (await api.ok(
        "GET", f"{I}?changes-since={created}"))["images"]}
    assert ids[2] in since
    # pages: limit, a next link with the marker, the rest after it
    page = await api.ok("GET", f"{I}/detail?limit=2")
    assert len(page["images"]) == 2
    nxt = page["images_links"][0]
    assert nxt["rel"] == "next" and f"marker={page['images'][1]['id']}" in nxt["href"]
    assert "/v2.1/images/detail?" in nxt["href"] and "limit=2" in nxt["href"]
    rest = await api.ok("GET", f"{I}?marker={page['images'][1]['id']}")
    everything = await api.ok("GET", I)
    assert "images_links" not in everything
    assert [i["id"] for i in page["images"]] + [i["id"] for i in rest["images"]] == \
        [i["id"] for i in everything["images"]]
    await bad(api, "GET", f"{I}?limit=x", 400, "limit")
    await bad(api, "GET", f"{I}?limit=0", 400, "limit")
    await bad(api, "GET", f"{I}?marker=00000000-0000-0000-0000-000000000000", 400, "marker")
    await bad(api, "GET", f"{I}?status=nonsense", 400)
    await bad(api, "GET", f"{I}?minDisk=big", 400, "minDisk")
    await bad(api, "GET", f"{I}?minRam={10**30}", 400, "minRam")
    await bad(api, "GET", f"{I}?limit={10**30}&marker=x", 400, "marker")


async def test_delete_and_refusals(api: Api) -> None:
    mine = await glance_image(api, "doomed")
    await api.ok("DELETE", f"{I}/{mine}", 204)
    await bad(api, "GET", f"{I}/{mine}", 404, "Image not found.")
    await bad(api, "DELETE", f"{I}/{mine}", 404, "Image not found.")
    for junk in ("-1", "a" * 37, "00000000-0000-0000-0000-00000000000j"):
        await bad(api, "DELETE", f"{I}/{junk}", 404)
    await bad(api, "DELETE", I, 404)
    protected = await glance_image(api, "kept", protected=True)
    await bad(api, "DELETE", f"{I}/{protected}", 403, "not allowed to delete")
    await api.ok("PATCH", f"{G}/{protected}", 200, json=[
        {"op": "replace", "path": "/protected", "value": False}],
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
    # another project sees neither the private image nor may it delete a public one
    proj = await api.make_project("other")
    await api.make_user("bob", "pw", "other")
    bob = await api.token("bob", "pw", "other")
    await bad(api, "GET", f"{I}/{protected}", 404, token=bob)
    assert protected not in {i["id"] for i in (await api.ok("GET", I, token=bob))["images"]}
    public = await glance_image(api, "shared-pub", visibility="public")
    assert (await api.ok("GET", f"{I}/{public}", token=bob))["image"]["id"] == public
    await bad(api, "DELETE", f"{I}/{public}", 403, "not allowed to delete", token=bob)
    await bad(api, "PUT", f"{I}/{public}/metadata/k", 403, f"Not authorized for image {public}",
              token=bob, json={"meta": {"k": "v"}})
    assert proj["id"]


async def test_removed_after_2_35_and_metadata_after_2_38(api: Api) -> None:
    img = await glance_image(api, "versions")

    def v(version: str) -> dict[str, str]:
        return {"OpenStack-API-Version": f"compute {version}"}
    assert (await api.req("GET", f"{I}/{img}", headers=v("2.35"))).status_code == 200
    for path in (I, f"{I}/detail", f"{I}/{img}"):
        await bad(api, "GET", path, 404, headers=v("2.36"))
    assert (await api.req("GET", f"{I}/{img}/metadata", headers=v("2.38"))).status_code == 200
    await bad(api, "GET", f"{I}/{img}/metadata", 404, headers=v("2.39"))


async def test_metadata_calls(api: Api) -> None:
    img = await glance_image(api, "meta")
    M = f"{I}/{img}/metadata"
    body = await api.ok("PUT", M, json={"metadata": {"os_version": "v1", "os_distro": "v2"}})
    check("images", "image_metadata", body, 200)
    assert body == {"metadata": {"os_version": "v1", "os_distro": "v2"}}
    assert await api.ok("GET", M) == body
    merged = await api.ok("POST", M, json={"metadata": {"os_version": "alt1", "arch": "x"}})
    assert merged["metadata"] == {"os_version": "alt1", "os_distro": "v2", "arch": "x"}
    item = await api.ok("GET", f"{M}/os_distro")
    check("images", "image_meta_item", item, 200)
    assert item == {"meta": {"os_distro": "v2"}}
    assert await api.ok("PUT", f"{M}/os_distro", json={"meta": {"os_distro": "v3"}}) == \
        {"meta": {"os_distro": "v3"}}
    await api.ok("DELETE", f"{M}/arch", 204)
    assert (await api.ok("GET", M))["metadata"] == {"os_version": "alt1", "os_distro": "v3"}
    # the same properties through Glance
    glance = await api.ok("GET", f"{G}/{img}")
    assert (glance["os_version"], glance["os_distro"]) == ("alt1", "v3") and "arch" not in glance
    replaced = await api.ok("PUT", M, json={"metadata": {"only": "one"}})
    assert replaced == {"metadata": {"only": "one"}}
    assert (await api.ok("GET", M))["metadata"] == {"only": "one"}
    # refusals
    await bad(api, "GET", f"{M}/nope", 404)
    await bad(api, "DELETE", f"{M}/nope", 404, "Invalid metadata key")
    await bad(api, "PUT", f"{M}/a", 400, "Request body and URI mismatch",
              json={"meta": {"b": "1"}})
    await bad(api, "PUT", f"{M}/a", 400, json={"meta": {"a": "1", "b": "2"}})
    await bad(api, "POST", M, 400, json={"metadata": {"": "x"}})
    await bad(api, "POST", M, 400, json={"metadata": {"k": "v" * 256}})
    await bad(api, "POST", M, 400, json={"wrong": {}})
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path, kw in (("GET", f"{I}/{missing}/metadata", {}),
                             ("PUT", f"{I}/{missing}/metadata", {"json": {"metadata": {}}}),
                             ("POST", f"{I}/{missing}/metadata", {"json": {"metadata": {}}}),
                             ("GET", f"{I}/{missing}/metadata/k", {}),
                             ("PUT", f"{I}/{missing}/metadata/k", {"json": {"meta": {"k": "v"}}}),
                             ("DELETE", f"{I}/{missing}/metadata/k", {})):
        await bad(api, method, path, 404, "Image not found.", **kw)


async def test_metadata_quota(api: Api) -> None:
    img = await glance_image(api, "quota")
    M = f"{I}/{img}/metadata"
    pid = await api.project_id("admin")
    await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{pid}", json={
        "quota_set": {"metadata_items": 2}})
    await api.ok("PUT", M, json={"metadata": {"a": "1", "b": "2"}})
    await bad(api, "POST", M, 403, "Image metadata limit exceeded", json={"metadata": {"c": "3"}})
    await bad(api, "PUT", f"{M}/c", 403, "Image metadata limit exceeded",
              json={"meta": {"c": "3"}})
    await bad(api, "PUT", M, 403, "Image metadata limit exceeded",
              json={"metadata": {"x": "1", "y": "2", "z": "3"}})
    assert (await api.ok("GET", M))["metadata"] == {"a": "1", "b": "2"}
    await api.ok("PUT", f"{M}/a", json={"meta": {"a": "changed"}})   # not a new item


__all__ = ["env"]          # the servers tests' fixture: an image and a flavor


async def test_snapshot_through_the_proxy(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    server = await wait(api, sid, "ACTIVE")
    r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {
        "name": "snap-proxy", "metadata": {"image_type": "test"}}})
    assert r.status_code == 202, r.text
    snap = r.headers["location"].rsplit("/", 1)[-1]
    await wait(api, sid, "ACTIVE")
    shown = (await api.ok("GET", f"{I}/{snap}"))["image"]
    assert shown["status"] == "ACTIVE" and shown["server"]["id"] == sid
    assert shown["metadata"]["image_type"] == "test"
    assert shown["server"]["links"][0]["href"].endswith(f"/v2.1/servers/{sid}")
    assert shown["minDisk"] == (await api.ok("GET", f"/compute/v2.1/flavors/{flv}"))[
        "flavor"]["disk"]
    # a second snapshot once the first is done works; filters by server (id or link)
    r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {"name": "snap2"}})
    assert r.status_code == 202, r.text
    snap2 = r.headers["location"].rsplit("/", 1)[-1]
    await wait(api, sid, "ACTIVE")
    for ref in [sid] + [link["href"] for link in server["links"]]:
        found = {i["id"] for i in (await api.ok("GET", I, params={"server": ref}))["images"]}
        assert found == {snap, snap2}, ref
    snaps = {i["id"] for i in (await api.ok("GET", f"{I}/detail?type=snapshot"))["images"]}
    assert snaps == {snap2}          # the first one's image_type was set to "test"
    await api.ok("DELETE", f"{I}/{snap}", 204)
    await api.ok("DELETE", f"{I}/{snap2}", 204)


async def test_second_create_image_while_saving_is_409(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    slow = api.node.controller.conductor.snapshotter

    original = slow.copy
    gate = asyncio.Event()

    async def held(inst: Any, image_id: str | None) -> str | None:
        await gate.wait()
        return await original(inst, image_id)
    slow.copy = held
    try:
        r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {"name": "s1"}})
        assert r.status_code == 202
        first = r.headers["location"].rsplit("/", 1)[-1]
        assert (await api.ok("GET", f"{I}/{first}"))["image"]["status"] == "SAVING"
        srv = (await api.ok("GET", f"{S}/{sid}"))["server"]
        assert srv["OS-EXT-STS:task_state"] == "image_snapshot"
        await bad(api, "POST", f"{S}/{sid}/action", 409, "while it is in task_state "
                  "image_snapshot", json={"createImage": {"name": "s2"}})
    finally:
        gate.set()
        slow.copy = original
    await wait(api, sid, "ACTIVE")
    assert (await api.ok("GET", f"{I}/{first}"))["image"]["status"] == "ACTIVE"
    r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {"name": "s3"}})
    assert r.status_code == 202, r.text
    await wait(api, sid, "ACTIVE")
