"""Servers on the fake hypervisor: the build path, states, actions, faults and recovery."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nubo.compute import states
from nubo.compute.models import Instance
from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, Api, api_on, make_settings

S = "/compute/v2.1/servers"


async def image_id(api: Api) -> str:
    img = await api.ok("POST", "/image/v2/images", 201, json={
        "name": "srv-img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204
    return str(img["id"])


async def flavor_id(api: Api, name: str = "m1.nano") -> str:
    flavors = (await api.ok("GET", "/compute/v2.1/flavors/detail"))["flavors"]
    return str(next(f["id"] for f in flavors if f["name"] == name))


async def make_flavor(api: Api, name: str, ram: int, vcpus: int = 1, disk: int = 1,
                      extra: dict[str, str] | None = None) -> str:
    f = (await api.ok("POST", "/compute/v2.1/flavors", 200, json={"flavor": {
        "name": name, "ram": ram, "vcpus": vcpus, "disk": disk}}))["flavor"]
    if extra:
        await api.ok("POST", f"/compute/v2.1/flavors/{f['id']}/os-extra_specs", 200,
                     json={"extra_specs": extra})
    return str(f["id"])


async def create(api: Api, image: str, flavor: str, token: str | None = None,
                 status: int = 202, **kw: Any) -> Any:
    body = {"server": {"name": kw.pop("name", "vm"), "imageRef": image, "flavorRef": flavor,
                       **kw}}
    return await api.ok("POST", S, status, token=token, json=body)


async def wait(api: Api, sid: str, want: str | tuple[str, ...], token: str | None = None,
               timeout: float = 60) -> dict[str, Any]:
    want = (want,) if isinstance(want, str) else want
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        r = await api.req("GET", f"{S}/{sid}", token=token)
        if r.status_code == 404 and "DELETED" in want:
            return {"status": "DELETED"}
        srv = r.json()["server"]
        if srv["status"] in want and srv["OS-EXT-STS:task_state"] is None:
            return srv  # type: ignore[no-any-return]
        if loop.time() > end:
            raise AssertionError(f"server {sid} is {srv['status']}/"
                                 f"{srv['OS-EXT-STS:task_state']}, wanted {want}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def env(api: Api) -> AsyncIterator[tuple[Api, str, str]]:
    yield api, await image_id(api), await flavor_id(api)


async def test_create_becomes_active_with_nova_fields(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    body = await create(api, img, flv, metadata={"role": "web"},
                        user_data=base64.b64encode(b"#!/bin/sh\necho hi").decode())
    srv = body["server"]
    assert srv["adminPass"] and srv["OS-DCF:diskConfig"] == "MANUAL"
    assert srv["links"][0]["href"].endswith(f"/compute/v2.1/servers/{srv['id']}")
    got = await wait(api, srv["id"], "ACTIVE")
    assert got["OS-EXT-STS:vm_state"] == "active" and got["OS-EXT-STS:power_state"] == 1
    assert got["metadata"] == {"role": "web"} and got["image"]["id"] == img
    assert got["flavor"]["id"] == flv and got["hostId"] and got["OS-SRV-USG:launched_at"]
    assert got["OS-EXT-SRV-ATTR:host"] and got["OS-EXT-SRV-ATTR:instance_name"].startswith(
        "instance-")
    acts = (await api.ok("GET", f"{S}/{srv['id']}/os-instance-actions"))["instanceActions"]
    assert [a["action"] for a in acts] == ["create"]
    one = (await api.ok("GET", f"{S}/{srv['id']}/os-instance-actions/"
                        f"{acts[0]['request_id']}"))["instanceAction"]
    assert {e["event"] for e in one["events"]} == {"conductor_schedule_and_build_instances",
                                                  "compute__do_build_and_run_instance"}
    assert all(e["result"] == "Success" for e in one["events"])
    # the allocation matches the flavor
    alloc = await api.node.controller.placement.service.allocations(srv["id"])
    assert sum(a.get("MEMORY_MB", 0) for a in alloc.values()) == 128


async def test_list_filters_and_isolation(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    ids = [(await create(api, img, flv, name=f"web-{i}"))["server"]["id"] for i in range(3)]
    await create(api, img, flv, name="db-1")
    for sid in ids:
        await wait(api, sid, "ACTIVE")
    names = {s["name"] for s in (await api.ok("GET", f"{S}?name=^web-"))["servers"]}
    assert names == {"web-0", "web-1", "web-2"}
    detail = (await api.ok("GET", f"{S}/detail?status=ACTIVE&limit=2"))
    assert len(detail["servers"]) == 2 and "servers_links" in detail
    await api.make_user("stranger", "pw", project="demo")
    tok = await api.token("stranger", "pw", "demo")
    assert (await api.ok("GET", S, token=tok))["servers"] == []
    await api.ok("GET", f"{S}/{ids[0]}", 404, token=tok)
    await api.ok("DELETE", f"{S}/{ids[0]}", 404, token=tok)
    all_t = (await api.ok("GET", f"{S}?all_tenants=1"))["servers"]
    assert len(all_t) == 4


async def test_power_actions_and_conflicts(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    r = await api.req("POST", f"{S}/{sid}/action", json={"os-start": None})
    assert r.status_code == 409 and "conflictingRequest" in r.json()
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-stop": None})
    got = await wait(api, sid, "SHUTOFF")
    assert got["OS-EXT-STS:power_state"] == states.SHUTDOWN
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-start": None})
    await wait(api, sid, "ACTIVE")
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"reboot": {"type": "HARD"}})
    await wait(api, sid, "ACTIVE")
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"reboot": {"type": "GENTLE"}})
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"fly": None})
    actions = [a["action"] for a in (await api.ok(
        "GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]]
    assert actions == ["reboot", "start", "stop", "create"]


async def test_lock_update_metadata(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    await api.make_user("owner", "pw", project="demo")
    tok = await api.token("owner", "pw", "demo")
    sid = (await create(api, img, flv, token=tok))["server"]["id"]
    await wait(api, sid, "ACTIVE", token=tok)
    await api.ok("PUT", f"{S}/{sid}", token=tok, json={"server": {"name": "renamed"}})
    await api.ok("PUT", f"{S}/{sid}/metadata/k", token=tok, json={"meta": {"k": "v"}})
    await api.ok("POST", f"{S}/{sid}/metadata", token=tok, json={"metadata": {"a": "b"}})
    assert (await api.ok("GET", f"{S}/{sid}/metadata", token=tok))["metadata"] == {
        "k": "v", "a": "b"}
    await api.ok("DELETE", f"{S}/{sid}/metadata/k", 204, token=tok)
    await api.ok("GET", f"{S}/{sid}/metadata/k", 404, token=tok)
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"lock": None})       # admin locks
    r = await api.req("POST", f"{S}/{sid}/action", token=tok, json={"os-stop": None})
    assert r.status_code == 409 and "locked" in r.text
    await api.ok("DELETE", f"{S}/{sid}", 409, token=tok)
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"unlock": None})
    await api.ok("DELETE", f"{S}/{sid}", 204, token=tok)
    await wait(api, sid, "DELETED", token=tok)
    assert await api.node.controller.placement.service.allocations(sid) == {}


@pytest.mark.parametrize("server, fragment", [
    ({"flavorRef": "nope"}, "Flavor nope could not be found"),
    ({"imageRef": "00000000-0000-0000-0000-000000000000"}, "could not be found"),
    ({"networks": [{"uuid": "9a8b"}]}, "Network 9a8b could not be found"),
    ({"networks": "lots"}, "networks"),
    ({"user_data": "!!!not base64!!!"}, "base 64"),
    ({"user_data": "QUFB" * 20000}, "too long"),
    ({"min_count": -1}, "min_count"),
    ({"min_count": 3, "max_count": 2}, "min_count"),
    ({"name": ""}, "name"),
    ({"key_name": "no-such-key"}, "key_name"),
    ({"bogus": 1}, "Additional properties"),
    ({"availability_zone": "mars"}, "availability zone"),
])
async def test_bad_input_creates_nothing(env: tuple[Api, str, str], server: dict[str, Any],
                                         fragment: str) -> None:
    api, img, flv = env
    body = {"name": "bad", "imageRef": img, "flavorRef": flv, **server}
    r = await api.req("POST", S, json={"server": body})
    assert r.status_code == 400, r.text
    assert fragment.lower() in r.json()["badRequest"]["message"].lower()
    assert (await api.ok("GET", f"{S}?all_tenants=1"))["servers"] == []


async def test_huge_user_data_body_is_refused(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    r = await api.req("POST", S, json={"server": {
        "name": "x", "imageRef": img, "flavorRef": flv,
        "user_data": base64.b64encode(b"x" * 1024 * 1024).decode()}})
    assert r.status_code in (400, 413)
    assert (await api.ok("GET", f"{S}?all_tenants=1"))["servers"] == []


async def test_no_valid_host_explains_why(env: tuple[Api, str, str]) -> None:
    api, img, _ = env
    admin_project = await api.project_id("admin")
    await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{admin_project}", json={
        "quota_set": {"ram": -1}})
    huge = await make_flavor(api, "huge", ram=10_000_000)
    sid = (await create(api, img, huge))["server"]["id"]
    got = await wait(api, sid, "ERROR")
    msg = got["fault"]["message"]
    assert msg.startswith("No valid host was found.")
    assert "placement: 1 without 10000000 MEMORY_MB" in got["fault"]["details"]
    assert await api.node.controller.placement.service.allocations(sid) == {}


@pytest.fixture
async def two_hosts(tmp_path: Path) -> AsyncIterator[Api]:
    async with api_on(make_settings(tmp_path / "d", fake_hosts=2)) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                     json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        yield api


async def test_fault_injection_reschedules_then_gives_up(two_hosts: Api) -> None:
    api = two_hosts
    img = await image_id(api)
    once = await make_flavor(api, "flaky", 128, extra={"nubo_fake:spawn": "fail_once"})
    sid = (await create(api, img, once))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    acts = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    events = (await api.ok("GET", f"{S}/{sid}/os-instance-actions/{acts[0]['request_id']}"
                           ))["instanceAction"]["events"]
    results = [e["result"] for e in events if e["event"] == "compute__do_build_and_run_instance"]
    assert results == ["Error", "Success"]
    broken = await make_flavor(api, "broken", 128, extra={"nubo_fake:spawn": "fail"})
    sid = (await create(api, img, broken))["server"]["id"]
    got = await wait(api, sid, "ERROR")
    assert "Exceeded maximum number of retries" in got["fault"]["message"]
    assert await api.node.controller.placement.service.allocations(sid) == {}


async def test_concurrent_boots_never_overcommit(two_hosts: Api) -> None:
    api = two_hosts
    img = await image_id(api)
    # each fake host has 64 GiB at ratio 1.5 minus 512 MiB reserved: two of these fit
    big = await make_flavor(api, "big", ram=40000)
    bodies = await asyncio.gather(*(create(api, img, big, name=f"b{i}") for i in range(7)))
    finals = [await wait(api, b["server"]["id"], ("ACTIVE", "ERROR")) for b in bodies]
    active = [f for f in finals if f["status"] == "ACTIVE"]
    assert len(active) == 4
    per_host: dict[str, int] = {}
    for f in active:
        per_host[f["OS-EXT-SRV-ATTR:host"]] = per_host.get(f["OS-EXT-SRV-ATTR:host"], 0) + 1
    assert sorted(per_host.values()) == [2, 2]


async def test_delete_during_slow_build(two_hosts: Api) -> None:
    api = two_hosts
    img = await image_id(api)
    slow = await make_flavor(api, "slow", 128, extra={"nubo_fake:spawn": "slow=0.5"})
    sid = (await create(api, img, slow))["server"]["id"]
    await asyncio.sleep(0.1)
    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED")
    assert await api.node.controller.placement.service.allocations(sid) == {}
    for agent in api.node.host.agents:
        assert sid not in await agent.list_instances()


async def test_restart_converges_cut_off_operations(tmp_path: Path) -> None:
    """What `kill -9` leaves: a build cut off after scheduling, one before, a delete half
    done. A new node's reconcile finishes each of them."""
    settings = make_settings(tmp_path / "d")
    first = AllInOne(settings)
    await first.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first.app),
                                 base_url=BASE) as c:
        api = Api(c, first)
        api.admin_token = await api.token("admin", "admin-secret", "admin")
        img, flv = await image_id(api), await flavor_id(api)
        ids = [(await create(api, img, flv, name=f"c{i}"))["server"]["id"] for i in range(3)]
        for sid in ids:
            await wait(api, sid, "ACTIVE")
    await first.stop()
    from sqlalchemy import update
    async with first.controller.db.write() as s:      # rewind the rows as a crash would leave them
        await s.execute(update(Instance).where(Instance.id == ids[0]).values(
            vm_state="building", task_state="scheduling", host=None))
        await s.execute(update(Instance).where(Instance.id == ids[1]).values(
            vm_state="building", task_state="spawning"))
        await s.execute(update(Instance).where(Instance.id == ids[2]).values(
            task_state="deleting"))
    second = AllInOne(settings)
    await second.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second.app),
                                     base_url=BASE) as c:
            api = Api(c, second)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            assert (await wait(api, ids[0], "ACTIVE"))["OS-EXT-SRV-ATTR:host"]
            await wait(api, ids[1], "ACTIVE")
            await wait(api, ids[2], "DELETED")
            assert await second.controller.placement.service.allocations(ids[2]) == {}
            assert await second.controller.placement.service.allocations(ids[0]) != {}
    finally:
        await second.stop()


async def test_quota_holds_under_concurrent_creates(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    pid = await api.project_id("admin")
    await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{pid}", json={
        "quota_set": {"instances": 3}})
    results = await asyncio.gather(*(api.req("POST", S, json={"server": {
        "name": f"q{i}", "imageRef": img, "flavorRef": flv}}) for i in range(8)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(202) <= 3 and set(codes) <= {202, 403}
    for r in results:
        if r.status_code == 403:
            assert "Quota exceeded for instances" in r.json()["forbidden"]["message"]
    servers = (await api.ok("GET", S))["servers"]
    assert len(servers) == codes.count(202) <= 3


async def test_nova_argument_forms_and_metadata_quota(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv, accessIPv6="0:0:0:0:0:babe:220.12.22.2"))["server"]["id"]
    got = await wait(api, sid, "ACTIVE")
    assert got["accessIPv6"] == "::babe:dc0c:1602"
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-stop": {}})
    await wait(api, sid, "SHUTOFF")
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"os-start": {"x": 1}})
    r = await api.req("POST", S, json={"server": {
        "name": "meta", "imageRef": img, "flavorRef": flv,
        "metadata": {str(i): "v" for i in range(129)}}})
    assert r.status_code == 403 and "metadata_items" in r.json()["forbidden"]["message"]


async def test_server_groups_anti_affinity_and_affinity(two_hosts: Api) -> None:
    api = two_hosts
    img, flv = await image_id(api), await flavor_id(api)
    anti = (await api.ok("POST", "/compute/v2.1/os-server-groups", json={"server_group": {
        "name": "apart", "policies": ["anti-affinity"]}}))["server_group"]
    assert anti["policies"] == ["anti-affinity"] and anti["members"] == []
    hint = {"group": anti["id"]}
    bodies = await asyncio.gather(*(api.ok("POST", S, 202, json={
        "server": {"name": f"a{i}", "imageRef": img, "flavorRef": flv},
        "OS-SCH-HNT:scheduler_hints": hint}) for i in range(3)))
    finals = [await wait(api, b["server"]["id"], ("ACTIVE", "ERROR")) for b in bodies]
    active = [f for f in finals if f["status"] == "ACTIVE"]
    assert len(active) == 2            # two hosts: the third cannot go anywhere
    assert len({f["OS-EXT-SRV-ATTR:host"] for f in active}) == 2
    failed = [f for f in finals if f["status"] == "ERROR"]
    assert "ServerGroupAntiAffinityFilter removed 2" in failed[0]["fault"]["details"]
    group = (await api.ok("GET", f"/compute/v2.1/os-server-groups/{anti['id']}"))[
        "server_group"]
    assert len(group["members"]) == 3
    together = (await api.ok("POST", "/compute/v2.1/os-server-groups", json={"server_group": {
        "name": "close", "policies": ["affinity"]}}))["server_group"]
    ids = []
    for i in range(3):
        ids.append((await api.ok("POST", S, 202, json={
            "server": {"name": f"t{i}", "imageRef": img, "flavorRef": flv},
            "OS-SCH-HNT:scheduler_hints": {"group": together["id"]}}))["server"]["id"])
    hosts = {(await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] for sid in ids}
    assert len(hosts) == 1
    await api.ok("POST", S, 400, json={
        "server": {"name": "x", "imageRef": img, "flavorRef": flv},
        "OS-SCH-HNT:scheduler_hints": {"group": "00000000-0000-0000-0000-000000000000"}})
    await api.ok("POST", "/compute/v2.1/os-server-groups", 400, json={"server_group": {
        "name": "bad", "policies": ["together-ish"]}})
    await api.ok("DELETE", f"/compute/v2.1/os-server-groups/{together['id']}", 204)
    await api.ok("GET", f"/compute/v2.1/os-server-groups/{together['id']}", 404)


async def test_resize_confirm_and_revert(two_hosts: Api) -> None:
    api = two_hosts
    img, small = await image_id(api), await flavor_id(api, "m1.nano")
    bigger = await flavor_id(api, "m1.micro")
    sid = (await create(api, img, small))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    placement = api.node.controller.placement.service

    async def ram() -> int:
        return sum(a.get("MEMORY_MB", 0) for a in (await placement.allocations(sid)).values())
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"resize": {"flavorRef": small}})
    await api.ok("POST", f"{S}/{sid}/action", 409, json={"confirmResize": None})
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"resize": {"flavorRef": bigger}})
    got = await wait(api, sid, "VERIFY_RESIZE")
    assert got["flavor"]["id"] == bigger and await ram() == 192
    await api.ok("POST", f"{S}/{sid}/action", 204, json={"confirmResize": None})
    got = await wait(api, sid, "ACTIVE")
    assert got["flavor"]["id"] == bigger and await ram() == 192
    # and back, then revert: the old flavor, host and allocation come back
    host = got["OS-EXT-SRV-ATTR:host"]
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"resize": {"flavorRef": small}})
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"resize": {"flavorRef": "nope"}})
    r = await api.req("POST", f"{S}/{sid}/action", json={"resize": {"flavorRef": small}})
    assert r.status_code in (400, 409)
    await wait(api, sid, "VERIFY_RESIZE")
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"revertResize": None})
    got = await wait(api, sid, "ACTIVE")
    assert got["flavor"]["id"] == bigger and got["OS-EXT-SRV-ATTR:host"] == host
    assert await ram() == 192
    # nothing is left held by a migration
    used = sum(u.get("MEMORY_MB", 0) for u in [
        await placement.usages(await api.project_id("admin"))])
    assert used == 192
    actions = [a["action"] for a in (await api.ok(
        "GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]]
    assert actions[:3] == ["revertResize", "resize", "confirmResize"]


async def test_create_image_and_boot_from_it(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    r = await api.req("POST", f"{S}/{sid}/action", json={"createImage": {
        "name": "snap", "metadata": {"purpose": "backup"}}})
    assert r.status_code == 202
    snap_id = r.headers["location"].rsplit("/", 1)[-1]
    await wait(api, sid, "ACTIVE")
    snap = await api.ok("GET", f"/image/v2/images/{snap_id}")
    assert snap["status"] == "active" and snap["image_type"] == "snapshot"
    assert snap["instance_uuid"] == sid and snap["purpose"] == "backup"
    assert snap["base_image_ref"] == img and snap["visibility"] == "private"
    source = await api.ok("GET", f"/image/v2/images/{img}")
    assert snap["checksum"] == source["checksum"]
    other = (await create(api, snap_id, flv, name="from-snap"))["server"]["id"]
    assert (await wait(api, other, "ACTIVE"))["image"]["id"] == snap_id
    events = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    assert events[0]["action"] == "createImage"
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"createImage": {}})


async def test_rebuild_and_reset_state(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    other = await image_id(api)
    sid = (await create(api, img, flv, metadata={"a": "1"}))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    r = await api.ok("POST", f"{S}/{sid}/action", 202, json={"rebuild": {
        "imageRef": other, "name": "rebuilt", "metadata": {"b": "2"}}})
    assert r["server"]["adminPass"] and r["server"]["name"] == "rebuilt"
    got = await wait(api, sid, "ACTIVE")
    assert got["image"]["id"] == other and got["metadata"] == {"b": "2"}
    await api.ok("POST", f"{S}/{sid}/action", 400, json={"rebuild": {
        "imageRef": "00000000-0000-0000-0000-000000000000"}})
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-stop": None})
    await wait(api, sid, "SHUTOFF")
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"rebuild": {"imageRef": img}})
    got = await wait(api, sid, "SHUTOFF")
    assert got["image"]["id"] == img
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-resetState": {"state": "error"}})
    assert (await api.ok("GET", f"{S}/{sid}"))["server"]["status"] == "ERROR"
    await api.make_user("plain", "pw", project="demo")
    tok = await api.token("plain", "pw", "demo")
    mine = (await create(api, img, flv, token=tok))["server"]["id"]
    await api.ok("POST", f"{S}/{mine}/action", 403, token=tok,
                 json={"os-resetState": {"state": "active"}})
    await api.ok("DELETE", f"{S}/{sid}", 204)      # an ERROR server can be deleted
    await wait(api, sid, "DELETED")
