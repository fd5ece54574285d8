"""The gaps closed in compute's server actions, on fake hosts: anti-affinity's
max_server_per_host rule (2.64), unshelve to a named host (2.91), evacuated guests cleaned up
when their source host comes back, force_complete of a live migration, and diagnostics
from the driver."""

from __future__ import annotations

import asyncio
from typing import Any

from nubo.compute.agent.virt.base import SpawnFailed
from tests.api.test_compute_actions_moves import boot, force_down, on_host, other_host
from tests.api.test_compute_actions_power import act
from tests.api.test_compute_servers import S, flavor_id, image_id, two_hosts, wait
from tests.conftest import Api

__all__ = ["two_hosts"]
G = "/compute/v2.1/os-server-groups"


def mv(v: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {v}"}


async def test_anti_affinity_max_server_per_host(two_hosts: Api) -> None:
    api = two_hosts
    img, flv = await image_id(api), await flavor_id(api)
    body: dict[str, Any] = {"server_group": {"name": "g", "policy": "affinity",
                                             "rules": {"max_server_per_host": 2}}}
    r = await api.req("POST", G, json=body, headers=mv("2.64"))
    assert r.status_code == 400 and "Only anti-affinity policy supports rules." in r.text
    body["server_group"]["policy"] = "anti-affinity"
    for bad in (0, "0", "x", -1, "", 1.5):
        body["server_group"]["rules"] = {"max_server_per_host": bad}
        await api.ok("POST", G, 400, json=body, headers=mv("2.64"))
    body["server_group"]["rules"] = {"max_server_per_host": "2"}
    group = (await api.ok("POST", G, json=body, headers=mv("2.64")))["server_group"]
    assert group["rules"] == {"max_server_per_host": 2} and group["policy"] == "anti-affinity"
    shown = (await api.ok("GET", f"{G}/{group['id']}", headers=mv("2.64")))["server_group"]
    assert shown["rules"] == {"max_server_per_host": 2}
    old = (await api.ok("GET", f"{G}/{group['id']}"))["server_group"]
    assert old["policies"] == ["anti-affinity"] and "rules" not in old
    bodies = await asyncio.gather(*(api.ok("POST", S, 202, json={
        "server": {"name": f"a{i}", "imageRef": img, "flavorRef": flv},
        "OS-SCH-HNT:scheduler_hints": {"group": group["id"]}}) for i in range(5)))
    finals = [await wait(api, b["server"]["id"], ("ACTIVE", "ERROR")) for b in bodies]
    hosts = [f["OS-EXT-SRV-ATTR:host"] for f in finals if f["status"] == "ACTIVE"]
    # two hosts, at most two members each: four run, two per host, the fifth finds no host
    assert len(hosts) == 4 and sorted(hosts.count(h) for h in set(hosts)) == [2, 2]
    failed = [f for f in finals if f["status"] == "ERROR"]
    assert "ServerGroupAntiAffinityFilter removed 2" in failed[0]["fault"]["details"]
    # a group without the rule stays one per host
    plain = (await api.ok("POST", G, headers=mv("2.64"), json={"server_group": {
        "name": "p", "policy": "anti-affinity", "rules": {}}}))["server_group"]
    assert plain["rules"] == {}
    ids = [(await api.ok("POST", S, 202, json={
        "server": {"name": f"p{i}", "imageRef": img, "flavorRef": flv},
        "OS-SCH-HNT:scheduler_hints": {"group": plain["id"]}}))["server"]["id"]
        for i in range(3)]
    states = [(await wait(api, sid, ("ACTIVE", "ERROR")))["status"] for sid in ids]
    assert sorted(states) == ["ACTIVE", "ACTIVE", "ERROR"]


async def shelve_offloaded(api: Api, sid: str) -> None:
    await act(api, sid, {"shelve": None})
    await wait(api, sid, "SHELVED_OFFLOADED")


async def test_unshelve_to_a_host(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    v291 = mv("2.91")
    # only for an offloaded server (Nova's 409), and only from 2.91
    runtime = api.node.controller
    runtime.conductor.actions.shelver.offload_time = -1
    await act(api, sid, {"shelve": None})
    await wait(api, sid, "SHELVED")
    r = await api.req("POST", f"{S}/{sid}/action", json={"unshelve": {"host": other}},
                      headers=v291)
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        f'Specifying an availability zone or a host when unshelving server "{sid}" with '
        'status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.')
    await act(api, sid, {"shelveOffload": None})
    await wait(api, sid, "SHELVED_OFFLOADED")
    runtime.conductor.actions.shelver.offload_time = 0
    await act(api, sid, {"unshelve": {"host": other}}, 400, headers=mv("2.90"))
    await act(api, sid, {"unshelve": {"availability_zone": None}}, 400, headers=mv("2.90"))
    await act(api, sid, {"unshelve": {}}, 400, headers=mv("2.77"))
    await act(api, sid, {"unshelve": {"host": other, "x": 1}}, 400, headers=v291)
    r = await api.req("POST", f"{S}/{sid}/action", json={"unshelve": {"host": "nope"}},
                      headers=v291)
    assert r.status_code == 400 and "Compute host nope could not be found." in r.text
    await api.make_user("member", "pw", project="admin")
    tok = await api.token("member", "pw", "admin")
    await act(api, sid, {"unshelve": {"host": other}}, 403, token=tok, headers=v291)
    # a host outside the zone the server is pinned to is a 409
    agg = (await api.ok("POST", "/compute/v2.1/os-aggregates", json={"aggregate": {
        "name": "far", "availability_zone": "az2"}}))["aggregate"]
    await api.ok("POST", f"/compute/v2.1/os-aggregates/{agg['id']}/action",
                 json={"add_host": {"host": other}})
    r = await api.req("POST", f"{S}/{sid}/action", headers=v291, json={
        "unshelve": {"availability_zone": "nova", "host": other}})
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        f'Host "{other}" is not in the availability zone "nova".')
    # to the named host, in its zone; then back to the first host with the zone unpinned
    await act(api, sid, {"unshelve": {"availability_zone": "az2", "host": other}},
              headers=v291)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == other and sid in on_host(api, other)
    assert (await api.ok("GET", f"{S}/{sid}", headers=mv("2.96")))["server"][
        "pinned_availability_zone"] == "az2"
    await shelve_offloaded(api, sid)
    await act(api, sid, {"unshelve": {"host": host}}, 409, headers=v291)   # pinned to az2
    await act(api, sid, {"unshelve": {"availability_zone": None, "host": host}},
              headers=v291)
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == host and sid in on_host(api, host)
    assert (await api.ok("GET", f"{S}/{sid}", headers=mv("2.96")))["server"][
        "pinned_availability_zone"] is None
    # a disabled host exists (no 400) but the scheduler turns it away: it stays offloaded
    await shelve_offloaded(api, sid)
    services = (await api.ok("GET", f"/compute/v2.1/os-services?host={other}",
                             headers=mv("2.53")))["services"]
    await api.ok("PUT", f"/compute/v2.1/os-services/{services[0]['id']}",
                 headers=mv("2.53"), json={"status": "disabled"})
    await act(api, sid, {"unshelve": {"host": other}}, headers=v291)
    got = await wait(api, sid, "SHELVED_OFFLOADED")
    acts = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    assert acts[0]["action"] == "unshelve" and acts[0]["message"] == "Error"
    # an unshelve without a host afterwards goes where there is room
    await act(api, sid, {"unshelve": None}, headers=v291)
    assert (await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == host


def driver_of(api: Api, host: str) -> Any:
    return next(a.driver for a in api.node.host.agents if a.host == host)


async def running_migration(api: Api, sid: str) -> int:
    """Wait until the server's live migration copies (the fake's slow spawn)."""
    for _ in range(500):
        migs = (await api.ok("GET", f"{S}/{sid}/migrations", headers=mv("2.96")))["migrations"]
        if migs and migs[0]["status"] == "running":
            return int(migs[0]["id"])
        await asyncio.sleep(0.01)
    raise AssertionError("the live migration never ran")


async def test_force_complete_pauses_the_source_guest(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    await act(api, sid, {"migrate": None})
    await wait(api, sid, "VERIFY_RESIZE")
    await act(api, sid, {"confirmResize": None}, 204)
    await wait(api, sid, "ACTIVE")
    cold = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}"))[
        "migrations"][0]["id"]
    host, other = other, host          # it now runs on the other host
    path = f"{S}/{sid}/migrations/{{}}/action"
    body = {"force_complete": None}
    # not migrating: 409 with Nova's message
    r = await api.req("POST", path.format(cold), json=body, headers=mv("2.22"))
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'force_complete' instance {sid} while it is in task_state None")
    driver_of(api, other).faults["spawn"] = "slow=3"       # the copy takes a while
    await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
              headers=mv("2.25"))
    mid = await running_migration(api, sid)
    r = await api.req("POST", path.format(999), json=body, headers=mv("2.22"))
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Migration 999 not found for instance {sid}")
    r = await api.req("POST", path.format(cold), json=body, headers=mv("2.22"))
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Migration {cold} state of instance {sid} is confirmed. Cannot force complete "
        "while the migration is in this state.")
    await api.ok("POST", path.format(mid), 400, json={"force_complete": 1}, headers=mv("2.22"))
    await api.ok("POST", path.format(mid), 404, json=body, headers=mv("2.21"))
    await api.ok("POST", path.format(mid), 202, json=body, headers=mv("2.22"))
    # the fake marks it as libvirt would: the guest is paused on the source
    assert driver_of(api, host).instances[sid] == 3
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == other and got["OS-EXT-STS:power_state"] == 1
    assert sid not in driver_of(api, host).instances
    log = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    detail = await api.ok("GET", f"{S}/{sid}/os-instance-actions/{log[0]['request_id']}")
    assert log[0]["action"] == "live-migration" and [
        e["event"] for e in detail["instanceAction"]["events"]] == [
        "compute_live_migration_force_complete", "compute_live_migration"]
    # a paused server being moved cannot be forced (Nova: vm_state must be active)
    await act(api, sid, {"pause": None})
    await wait(api, sid, "PAUSED")
    driver_of(api, host).faults["spawn"] = "slow=2"
    await act(api, sid, {"os-migrateLive": {"host": host, "block_migration": "auto"}},
              headers=mv("2.25"))
    mid = await running_migration(api, sid)
    r = await api.req("POST", path.format(mid), json=body, headers=mv("2.22"))
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'force_complete' instance {sid} while it is in vm_state paused")
    assert (await wait(api, sid, "PAUSED"))["OS-EXT-SRV-ATTR:host"] == host


async def test_force_completed_move_that_fails_runs_again_on_the_source(
        two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)

    async def copy_then_fail(spec: Any) -> int:
        await asyncio.sleep(1)
        raise SpawnFailed("the copy broke off")
    driver_of(api, other).spawn = copy_then_fail
    await act(api, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
              headers=mv("2.25"))
    mid = await running_migration(api, sid)
    await api.ok("POST", f"{S}/{sid}/migrations/{mid}/action", 202,
                 json={"force_complete": None}, headers=mv("2.22"))
    assert driver_of(api, host).instances[sid] == 3
    got = await wait(api, sid, "ACTIVE")
    assert got["OS-EXT-SRV-ATTR:host"] == host and driver_of(api, host).instances[sid] == 1


async def test_evacuated_guest_is_destroyed_when_its_host_comes_back(two_hosts: Api) -> None:
    api = two_hosts
    sid, host, _ = await boot(api)
    other = other_host(api, host)
    conductor = api.node.controller.conductor
    agent = next(a for a in api.node.host.agents if a.host == host)
    agent.down = True
    await force_down(api, host)
    await act(api, sid, {"evacuate": {}}, 200, headers=mv("2.29"))
    assert (await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == other
    assert sid in on_host(api, host) and sid in on_host(api, other)  # the source is down
    await conductor.reconcile()               # still down: nothing can be done yet
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}"))[
        "migrations"]
    assert [m["status"] for m in migs] == ["done"]
    agent.down = False                        # the host answers again
    counts = await conductor.reconcile()
    assert counts["evacuated_destroyed"] == 1
    assert sid not in on_host(api, host) and sid in on_host(api, other)
    migs = (await api.ok("GET", f"/compute/v2.1/os-migrations?instance_uuid={sid}"))[
        "migrations"]
    assert [m["status"] for m in migs] == ["completed"]
    assert (await conductor.reconcile())["evacuated_destroyed"] == 0
    got = await api.ok("GET", f"{S}/{sid}")
    assert got["server"]["status"] == "ACTIVE" and got["server"]["OS-EXT-SRV-ATTR:host"] == other
