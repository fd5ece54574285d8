"""Server moves on two fake hosts: shelve/offload/unshelve, cold migration with confirm and
revert, live migration, evacuation, and the migration records os-migrations shows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nubo.compute.service import migration_records
from tests.api.test_compute_actions_power import V, act
from tests.api.test_compute_servers import S, create, flavor_id, image_id, two_hosts, wait
from tests.conftest import Api

__all__ = ["two_hosts"]


async def allocated_host(api: Api, sid: str) -> set[str]:
    """The hosts (by provider) holding the instance's allocation."""
    allocs = await api.node.controller.placement.service.allocations(sid)
    names = {h.provider_uuid: h.name
             for h in await api.node.controller.conductor.host_states()}
    return {names[p] for p in allocs}


async def boot(api: Api) -> tuple[str, str, str]:
    img = await image_id(api)
    sid = (await create(api, img, await flavor_id(api)))["server"]["id"]
    got = await wait(api, sid, "ACTIVE")
    return sid, got["OS-EXT-SRV-ATTR:host"], img


def other_host(api: Api, host: str) -> str:
    return next(a.host for a in api.node.host.agents if a.host != host)


async def force_down(api: Api, host: str) -> None:
    """An admin marks the host's compute service down (2.53 form)."""
    services = (await api.ok("GET", f"/compute/v2.1/os-services?host={host}&binary="
                             "nova-compute", headers=V))["services"]
    await api.ok("PUT", f"/compute/v2.1/os-services/{services[0]['id']}", headers=V,
                 json={"forced_down": True})


def on_host(api: Api, host: str) -> set[str]:
    agent = next(a for a in api.node.host.agents if a.host == host)
    return set(agent.driver.instances)


async def test_shelve_offload_and_unshelve(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, img = await boot(api)
    await act(api, sid, {"unshelve": None}, 409)
    await act(api, sid, {"shelve": None})
    got = await wait(api, sid, "SHELVED_OFFLOADED")
    assert got["OS-EXT-SRV-ATTR:host"] is None and got["OS-EXT-STS:power_state"] == 0
    assert await api.node.controller.placement.service.allocations(sid) == {}
    assert sid not in on_host(api, host)
    images = (await api.ok("GET", "/image/v2/images"))["images"]
    shelved = [i for i in images if i["name"] == "vm-shelved"]
    assert len(shelved) == 1 and shelved[0]["status"] == "active"
    assert shelved[0]["instance_uuid"] == sid
    await act(api, sid, {"shelveOffload": None}, 409)
    # a zone only with an offloaded server, and only from 2.77
    await act(api, sid, {"unshelve": {"availability_zone": "nova"}}, 400)
    await act(api, sid, {"unshelve": {"availability_zone": "nowhere"}}, 400, headers=V)
    await act(api, sid, {"unshelve": {"availability_zone": "nova"}}, 202, headers=V)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-STS:power_state"] == 1
    new_host = got["OS-EXT-SRV-ATTR:host"]
    assert await allocated_host(api, sid) == {new_host} and sid in on_host(api, new_host)
    images = (await api.ok("GET", "/image/v2/images"))["images"]
    assert not [i for i in images if i["name"] == "vm-shelved"]
    log = await api.ok("GET", f"{S}/{sid}/os-instance-actions")
    assert [a["action"] for a in log["instanceActions"][:2]] == ["unshelve", "shelve"]
    shelve = await api.ok("GET", f"{S}/{sid}/os-instance-actions/"
                          f"{log['instanceActions'][1]['request_id']}")
    assert [e["event"] for e in shelve["instanceAction"]["events"]] == [
        "compute_shelve_instance", "compute_shelve_offload_instance"]


async def test_shelve_without_offload_keeps_the_host(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    runtime = api.node.controller
    runtime.conductor.actions.shelver.offload_time = -1     # never offload by itself
    await act(api, sid, {"shelve": None})
    got = await wait(api, sid, "SHELVED")
    assert got["OS-EXT-SRV-ATTR:host"] == host and await allocated_host(api, sid) == {host}
    await act(api, sid, {"unshelve": {"availability_zone": "nova"}}, 409, headers=V)
    await act(api, sid, {"unshelve": None})
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == host
    await act(api, sid, {"shelve": None})
    await wait(api, sid, "SHELVED")
    await act(api, sid, {"shelveOffload": None})
    await wait(api, sid, "SHELVED_OFFLOADED")
    assert await api.node.controller.placement.service.allocations(sid) == {}
    # deleting a shelved server deletes its shelved image too
    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED")
    images = (await api.ok("GET", "/image/v2/images"))["images"]
    assert not [i for i in images if i["name"] == "vm-shelved"]


async def test_cold_migrate_confirm_revert_and_records(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    await api.make_user("member", "pw", project="admin")
    tok = await api.token("member", "pw", "admin")
    await act(api, sid, {"migrate": None}, 403, token=tok)
    await act(api, sid, {"migrate": {"host": other}}, 400)           # host only from 2.56
    await act(api, sid, {"migrate": {"host": host}}, 400, headers=V)
    await act(api, sid, {"migrate": {"host": "nope"}}, 400, headers=V)
    await act(api, sid, {"migrate": None})
    got = await wait(api, sid, "VERIFY_RESIZE")
    assert got["OS-EXT-SRV-ATTR:host"] == other
    # while unconfirmed the source's share is held by the migration
    assert await allocated_host(api, sid) == {other}
    await act(api, sid, {"confirmResize": None}, 204)
    await wait(api, sid, "ACTIVE")
    assert sid not in on_host(api, host) and sid in on_host(api, other)
    await act(api, sid, {"migrate": {"host": host}}, 202, headers=V)
    await wait(api, sid, "VERIFY_RESIZE")
    await act(api, sid, {"revertResize": None})
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == other and await allocated_host(api, sid) == {other}
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert [(m["migration_type"], m["status"]) for m in migs] == [
        ("migration", "reverted"), ("migration", "confirmed")]
    assert migs[1]["source_compute"] == host and migs[1]["dest_compute"] == other
    await api.ok("GET", "/compute/v2.1/os-migrations", 403, token=tok)
    one_host = await api.ok("GET", f"/compute/v2.1/os-migrations?status=confirmed&host={host}")
    assert [m["instance_uuid"] for m in one_host["migrations"]] == [sid]


async def test_live_migration(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    body: dict[str, Any] = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
    await act(api, sid, body, 400)                        # "auto" only from 2.25
    await act(api, sid, {"os-migrateLive": {"host": host, "block_migration": "auto"}}, 400,
              headers=V)
    await act(api, sid, body, 202, headers=V)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == other
    assert await allocated_host(api, sid) == {other}
    assert sid in on_host(api, other) and sid not in on_host(api, host)
    # paused servers move too and stay paused; to a named host
    await act(api, sid, {"pause": None})
    await wait(api, sid, "PAUSED")
    await act(api, sid, {"os-migrateLive": {"host": host, "block_migration": False,
                                            "disk_over_commit": False}})
    got = await wait(api, sid, "PAUSED")
    assert got["OS-EXT-SRV-ATTR:host"] == host and got["OS-EXT-STS:power_state"] == 3
    migs = (await api.ok("GET", "/compute/v2.1/os-migrations?migration_type=live-migration",
                         headers=V))["migrations"]
    assert [m["status"] for m in migs] == ["completed", "completed"]
    # before 2.23 live migrations are not listed
    assert (await api.ok("GET", "/compute/v2.1/os-migrations"))["migrations"] == []
    assert (await api.ok("GET", f"{S}/{sid}/migrations", headers=V))["migrations"] == []
    mid = migs[0]["id"]
    await api.ok("GET", f"{S}/{sid}/migrations/{mid}", 404, headers=V)
    await api.ok("POST", f"{S}/{sid}/migrations/{mid}/action", 409, headers=V,
                 json={"force_complete": None})
    await api.ok("DELETE", f"{S}/{sid}/migrations/{mid}", 409, headers=V)


async def test_settled_move_shows_its_migration_final(two_hosts: Api,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The record's final status commits with the instance's final state: a slow record
    write delays the server settling, it never shows the server settled and the migration
    still running (the race a full-suite run once hit)."""
    api = two_hosts
    sid, host, _ = await boot(api)
    real = migration_records.set_status_in

    async def slow(*args: Any, **kwargs: Any) -> bool:
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)
    monkeypatch.setattr(migration_records, "set_status_in", slow)
    await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
              headers=V)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] != host
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert [m["status"] for m in migs] == ["completed"]


async def test_live_migration_without_room_stays_put(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    await force_down(api, other)
    await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
              headers=V)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == host and await allocated_host(api, sid) == {host}
    acts = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    assert acts[0]["action"] == "live-migration" and acts[0]["message"] == "Error"
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert migs[0]["status"] == "error"


async def test_evacuate_only_from_a_down_host(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    body = {"evacuate": {"onSharedStorage": False}}
    r = await api.req("POST", f"{S}/{sid}/action", json=body)
    assert r.status_code == 400 and f"Compute service of {host} is still in use." in r.text
    await act(api, sid, {"evacuate": {}}, 400)              # onSharedStorage needed at 2.1
    agent = next(a for a in api.node.host.agents if a.host == host)
    agent.down = True
    await force_down(api, host)
    await act(api, sid, {"evacuate": {"host": "nope", "onSharedStorage": False}}, 404)
    got = await act(api, sid, {"evacuate": {"onSharedStorage": False}}, 200)
    assert got["adminPass"]
    srv = await wait(api, sid, "ACTIVE")
    assert srv["OS-EXT-SRV-ATTR:host"] == other and await allocated_host(api, sid) == {other}
    assert sid in on_host(api, other)
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}",
                         headers=V))["migrations"]
    assert [(m["migration_type"], m["status"], m["source_compute"], m["dest_compute"])
            for m in migs] == [("evacuation", "done", host, other)]
