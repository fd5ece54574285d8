"""The gaps closed in compute's server actions, on fake hosts: anti-affinity's
max_server_per_host rule (2.64), unshelve to a named host (2.91), evacuated guests cleaned up
when their source host comes back, force_complete of a live migration, and diagnostics
from the driver."""

from __future__ import annotations

import asyncio
from typing import Any

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
