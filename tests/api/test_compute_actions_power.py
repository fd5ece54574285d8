"""Server actions on one host: pause, suspend, rescue, soft delete, backups, consoles, tags,
external events and diagnostics (fake hypervisor, through conductor, bus and agent)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.api.test_compute_servers import S, create, env, flavor_id, image_id, wait
from tests.conftest import Api, api_on, make_settings

__all__ = ["env"]
V = {"OpenStack-API-Version": "compute 2.96"}


async def act(api: Api, sid: str, body: dict[str, Any], status: int = 202,
              token: str | None = None, headers: dict[str, str] | None = None) -> Any:
    return await api.ok("POST", f"{S}/{sid}/action", status, token=token, json=body,
                        headers=headers or {})


async def events_of(api: Api, sid: str) -> list[tuple[str, list[str]]]:
    """(action, [event names]) newest first."""
    out = []
    for a in (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]:
        got = await api.ok("GET", f"{S}/{sid}/os-instance-actions/{a['request_id']}")
        out.append((a["action"], [e["event"] for e in got["instanceAction"]["events"]]))
    return out


async def test_pause_suspend_rescue_and_their_conflicts(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    driver = api.node.host.agents[0].driver
    r = await api.req("POST", f"{S}/{sid}/action", json={"unpause": None})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'unpause' instance {sid} while it is in vm_state active")
    await act(api, sid, {"pause": None})
    got = await wait(api, sid, "PAUSED")
    assert got["OS-EXT-STS:power_state"] == 3 and driver.instances[sid] == 3
    await act(api, sid, {"suspend": None}, 409)
    await act(api, sid, {"unpause": None})
    await wait(api, sid, "ACTIVE")
    await act(api, sid, {"suspend": None})
    got = await wait(api, sid, "SUSPENDED")
    assert got["OS-EXT-STS:vm_state"] == "suspended"
    await act(api, sid, {"pause": None}, 409)
    await act(api, sid, {"resume": None})
    await wait(api, sid, "ACTIVE")
    other = await image_id(api)
    body = await act(api, sid, {"rescue": {"rescue_image_ref": other}}, 200)
    assert body["adminPass"]
    got = await wait(api, sid, "RESCUE")
    assert got["OS-EXT-STS:vm_state"] == "rescued"
    await act(api, sid, {"rescue": None}, 409)
    await act(api, sid, {"unrescue": None})
    await wait(api, sid, "ACTIVE")
    await act(api, sid, {"rescue": {"rescue_image_ref":
                                    "00000000-0000-0000-0000-000000000000"}}, 400)
    await act(api, sid, {"pause": {"x": 1}}, 400)
    log = await events_of(api, sid)
    assert [a for a, _ in log[:7]] == ["unrescue", "rescue", "resume", "suspend", "unpause",
                                       "pause", "create"]
    assert log[1][1] == ["compute_rescue_instance"]
    # a member of another project may not touch it, a member of its own may
    await api.make_user("other", "pw", project="demo")
    tok = await api.token("other", "pw", "demo")
    await act(api, sid, {"pause": None}, 404, token=tok)


async def test_a_failing_host_leaves_the_server_as_it_was(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    agent = api.node.host.agents[0]
    agent.down = True
    try:
        await act(api, sid, {"pause": None})
        got = await wait(api, sid, "ACTIVE")
    finally:
        agent.down = False
    assert got["OS-EXT-STS:power_state"] == 1
    acts = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    assert acts[0]["action"] == "pause" and acts[0]["message"] == "Error"


async def test_backup_rotation_keeps_the_newest(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    made = []
    for i in range(3):
        r = await api.req("POST", f"{S}/{sid}/action", json={"createBackup": {
            "name": f"b{i}", "backup_type": "daily", "rotation": 2}})
        assert r.status_code == 202, r.text
        made.append(r.headers["location"].rsplit("/", 1)[-1])
        await wait(api, sid, "ACTIVE")
    weekly = await act(api, sid, {"createBackup": {"name": "w", "backup_type": "weekly",
                                                   "rotation": "1"}}, 202, headers=V)
    await wait(api, sid, "ACTIVE")
    images = (await api.ok("GET", "/image/v2/images"))["images"]
    backups = {i["id"]: i for i in images if i.get("image_type") == "backup"}
    assert set(backups) == {made[1], made[2], weekly["image_id"]}
    assert backups[made[2]]["backup_type"] == "daily" and backups[made[2]]["status"] == "active"
    await act(api, sid, {"createBackup": {"name": "x", "backup_type": "daily"}}, 400)
    await act(api, sid, {"createBackup": {"name": "x", "backup_type": "d",
                                          "rotation": -1}}, 400)
    assert (await events_of(api, sid))[0] == ("createBackup", ["compute_backup_instance"])


async def test_soft_delete_restore_force_delete_and_reclaim(tmp_path: Path) -> None:
    async with api_on(make_settings(tmp_path / "d", reclaim_instance_interval=3600)) as api:
        img, flv = await image_id(api), await flavor_id(api)
        sid = (await create(api, img, flv))["server"]["id"]
        await wait(api, sid, "ACTIVE")
        await act(api, sid, {"restore": None}, 409)
        await api.ok("DELETE", f"{S}/{sid}", 204)
        got = await wait(api, sid, "SOFT_DELETED")
        assert got["OS-EXT-STS:power_state"] == 4
        await act(api, sid, {"restore": None})
        got = await wait(api, sid, "ACTIVE")
        assert got["OS-EXT-STS:power_state"] == 1
        await api.ok("DELETE", f"{S}/{sid}", 204)
        await wait(api, sid, "SOFT_DELETED")
        await act(api, sid, {"forceDelete": None})
        await wait(api, sid, "DELETED")
        # the periodic reclaim: one past the interval goes, a fresh one stays
        runtime = api.node.controller
        old = (await create(api, img, flv, name="old"))["server"]["id"]
        new = (await create(api, img, flv, name="new"))["server"]["id"]
        for s in (old, new):
            await wait(api, s, "ACTIVE")
            await api.ok("DELETE", f"{S}/{s}", 204)
            await wait(api, s, "SOFT_DELETED")
        runtime.conductor.actions.reclaim_interval = 3600
        from datetime import timedelta

        from sqlalchemy import update

        from nubo.compute.models import Instance
        from nubo.core.db import utcnow
        async with runtime.conductor.db.write() as s:
            await s.execute(update(Instance).where(Instance.id == old).values(
                updated_at=utcnow() - timedelta(hours=2)))
        counts = await runtime.conductor.reconcile()
        assert counts["reclaimed"] == 1
        await wait(api, old, "DELETED")
        assert (await api.ok("GET", f"{S}/{new}"))["server"]["status"] == "SOFT_DELETED"
        assert await api.node.controller.placement.service.allocations(old) == {}


async def test_console_output_and_remote_console_tokens(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    out = await act(api, sid, {"os-getConsoleOutput": {"length": 1}}, 200)
    assert out["output"] == "login: "
    out = await act(api, sid, {"os-getConsoleOutput": {"length": -1}}, 200)
    assert out["output"].startswith("fake console of")
    await act(api, sid, {"os-getConsoleOutput": {"length": -2}}, 400)
    # the fake has no VNC: Nova's answer for a console type the driver lacks
    r = await api.req("POST", f"{S}/{sid}/action", json={"os-getVNCConsole": {"type": "novnc"}})
    assert r.status_code == 400 and "Unavailable console type novnc." in r.text
    driver = api.node.host.agents[0].driver

    async def console(instance_id: str, kind: str) -> dict[str, Any] | None:
        return {"host": "127.0.0.1", "port": 5900}
    driver.console = console
    got = await act(api, sid, {"os-getVNCConsole": {"type": "novnc"}}, 200)
    url = got["console"]["url"]
    assert got["console"]["type"] == "novnc" and "/vnc/vnc_lite.html?path=vnc%3Ftoken%3D" in url
    token = url.rsplit("%3D", 1)[-1]
    # what the noVNC relay asks (the controller hands it ConsoleService.validate)
    validate_console_token = api.node.controller.compute.parts.consoles.validate
    assert await validate_console_token(token) == {"instance_id": sid, "host": "127.0.0.1",
                                                   "port": 5900, "kind": "novnc"}
    assert await validate_console_token(token + "x") is None
    rc = await api.ok("POST", f"{S}/{sid}/remote-consoles", 200, headers=V, json={
        "remote_console": {"protocol": "serial", "type": "serial"}})
    assert rc["remote_console"]["url"].startswith("ws://")
    await api.ok("POST", f"{S}/{sid}/remote-consoles", 400, headers=V, json={
        "remote_console": {"protocol": "vnc", "type": "serial"}})
    shown = await api.ok("GET", f"/compute/v2.1/os-console-auth-tokens/{token}", headers=V)
    assert shown["console"] == {"instance_uuid": sid, "host": "127.0.0.1", "port": 5900,
                                "internal_access_path": None}
    await api.ok("GET", "/compute/v2.1/os-console-auth-tokens/nope", 404, headers=V)
    # only the hash is stored
    from nubo.compute.models_actions import ConsoleAuthToken
    async with api.node.controller.conductor.db.read() as s:
        from sqlalchemy import select
        hashes = list((await s.execute(select(ConsoleAuthToken.token_hash))).scalars())
    assert token not in hashes and len(hashes) == 2
    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED")
    assert await validate_console_token(token) is None


async def test_tags_and_list_filters(env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    a = (await create(api, img, flv, name="a"))["server"]["id"]
    b = (await create(api, img, flv, name="b"))["server"]["id"]
    for sid in (a, b):
        await wait(api, sid, "ACTIVE")
    T = f"{S}/{a}/tags"
    await api.ok("GET", T, 404)                            # not before 2.26
    assert (await api.ok("PUT", T, headers=V, json={"tags": ["x", "y", "x"]})) == {
        "tags": ["x", "y"]}
    r = await api.req("PUT", f"{T}/z", headers=V)
    assert r.status_code == 201 and r.headers["location"].endswith(f"/servers/{a}/tags/z")
    await api.ok("PUT", f"{T}/z", 204, headers=V)
    await api.ok("GET", f"{T}/z", 204, headers=V)
    await api.ok("GET", f"{T}/nope", 404, headers=V)
    await api.ok("PUT", f"{T}/a,b", 400, headers=V)
    await api.ok("PUT", T, 400, headers=V, json={"tags": [str(i) for i in range(51)]})
    await api.ok("PUT", f"{S}/{b}/tags", headers=V, json={"tags": ["y"]})
    shown = (await api.ok("GET", f"{S}/{a}", headers=V))["server"]
    assert shown["tags"] == ["x", "y", "z"]

    async def names(query: str) -> set[str]:
        got = await api.ok("GET", f"{S}?{query}", headers=V)
        return {s["name"] for s in got["servers"]}
    assert await names("tags=x,y") == {"a"}
    assert await names("tags-any=y") == {"a", "b"}
    assert await names("not-tags=x,y") == {"b"}
    assert await names("not-tags-any=z") == {"b"}
    await api.ok("DELETE", f"{T}/z", 204, headers=V)
    await api.ok("DELETE", f"{T}/z", 404, headers=V)
    await api.ok("DELETE", T, 204, headers=V)
    assert (await api.ok("GET", T, headers=V)) == {"tags": []}
    # tags given at create (2.52) are the server's tags
    c = (await api.ok("POST", S, 202, headers=V, json={"server": {
        "name": "c", "imageRef": img, "flavorRef": flv, "tags": ["born"],
        "networks": "none"}}))["server"]["id"]
    await wait(api, c, "ACTIVE")
    await api.ok("PUT", f"{S}/{c}/tags/more", 201, headers=V)
    assert (await api.ok("GET", f"{S}/{c}/tags", headers=V))["tags"] == ["born", "more"]


async def test_external_events_wake_waiters_and_are_recorded(
        env: tuple[Api, str, str]) -> None:
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    conductor = api.node.controller.conductor
    waiter = asyncio.ensure_future(conductor.wait_event(sid, "network-vif-plugged", "p1", 30))
    await asyncio.sleep(0)
    missing = "00000000-0000-0000-0000-000000000000"
    got = await api.ok("POST", "/compute/v2.1/os-server-external-events", 207, json={
        "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": "p1"},
                   {"name": "network-changed", "server_uuid": missing}]})
    assert [e["code"] for e in got["events"]] == [200, 404]
    assert got["events"][0]["status"] == "completed"
    assert await waiter == "completed"
    # an event that came first is still seen by a waiter that comes later
    await api.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
        "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": "p2",
                    "status": "failed"}]})
    assert await conductor.wait_event(sid, "network-vif-plugged", "p2", 1) == "failed"
    await api.ok("POST", "/compute/v2.1/os-server-external-events", 404, json={
        "events": [{"name": "network-changed", "server_uuid": missing}]})
    await api.ok("POST", "/compute/v2.1/os-server-external-events", 400, json={
        "events": [{"name": "made-up", "server_uuid": sid}]})
    assert "compute_external_instance_event_network-vif-plugged" in (
        await events_of(api, sid))[0][1]
    await api.make_user("member", "pw", project="demo")
    tok = await api.token("member", "pw", "demo")
    await api.ok("POST", "/compute/v2.1/os-server-external-events", 403, token=tok, json={
        "events": [{"name": "network-changed", "server_uuid": sid}]})


async def test_diagnostics(env: tuple[Api, str, str]) -> None:
    import importlib

    import jsonschema

    from tests.api.compute_schemas import tempest
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    d = await api.ok("GET", f"{S}/{sid}/diagnostics", headers=V)
    tempest("servers", "get_server")            # skips without Tempest installed
    schema = importlib.import_module(
        "tempest.lib.api_schema.response.compute.v2_48.servers").show_server_diagnostics
    jsonschema.Draft4Validator(schema["response_body"]).validate(d)
    # the fake driver's figures, in the shape (and driver name) of libvirt's, as Nova's fake
    assert d["state"] == "running" and d["driver"] == "libvirt" and d["hypervisor"] == "fake"
    assert d["num_cpus"] == 1 == len(d["cpu_details"]) and d["uptime"] >= 0
    assert d["memory_details"] == {"maximum": 128, "used": 128}
    assert len(d["disk_details"]) == d["num_disks"] == 1 and d["num_nics"] == 0
    assert d["disk_details"][0]["read_bytes"] > 0
    old = await api.ok("GET", f"{S}/{sid}/diagnostics")
    assert old["memory"] == 128 * 1024 and "cpu0_time" in old and "vda_read" in old
    await act(api, sid, {"os-stop": None})
    await wait(api, sid, "SHUTOFF")
    r = await api.req("GET", f"{S}/{sid}/diagnostics", headers=V)
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'get_diagnostics' instance {sid} while it is in power state shutdown")
    await api.make_user("member", "pw", project="admin")
    tok = await api.token("member", "pw", "admin")
    await api.ok("GET", f"{S}/{sid}/diagnostics", 403, token=tok)


async def test_odd_arguments_get_a_4xx_never_a_500(env: tuple[Api, str, str]) -> None:
    from nubo.compute.api.schemas.server_actions import ACTIONS
    api, img, flv = env
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    odd: list[Any] = [1, "x", [], {"x": 1}, {"host": 5}, {"length": "abc"},
                      {"type": "vnc"}, {"rotation": "x", "name": "", "backup_type": 1},
                      {"availability_zone": ""}, {"host": None, "block_migration": "x"}]
    for name in ACTIONS:
        for arg in odd:
            for headers in ({}, V):
                r = await api.req("POST", f"{S}/{sid}/action", json={name: arg},
                                  headers=headers)
                assert 400 <= r.status_code < 500, (name, arg, r.status_code, r.text)
        await wait(api, sid, ("ACTIVE", "VERIFY_RESIZE", "SHUTOFF", "PAUSED", "SUSPENDED",
                              "RESCUE", "SHELVED_OFFLOADED", "SOFT_DELETED"))
    for path, method, body in ((f"{S}/{sid}/tags", "PUT", {"tags": "x"}),
                               (f"{S}/{sid}/remote-consoles", "POST", {"remote_console": 1}),
                               (f"{S}/{sid}/migrations/abc/action", "POST", {}),
                               ("/compute/v2.1/os-server-external-events", "POST",
                                {"events": [{"name": "network-changed"}]})):
        r = await api.req(method, path, json=body, headers=V)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    r = await api.req("DELETE", f"{S}/{sid}/migrations/abc", headers=V)
    assert r.status_code in (404, 409)
