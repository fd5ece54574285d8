"""host_status (2.16) follows the server's nova-compute service: UP, MAINTENANCE when the
service is disabled, DOWN when forced down; the same in GET one server and in the list."""

from __future__ import annotations

from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

C = "/compute/v2.1"
S = f"{C}/servers"
V = {"OpenStack-API-Version": "compute 2.96"}
V253 = {"OpenStack-API-Version": "compute 2.53"}


async def statuses(api: Api, sid: str) -> tuple[str, str]:
    one = (await api.ok("GET", f"{S}/{sid}", headers=V))["server"]["host_status"]
    listed = {s["id"]: s["host_status"] for s in (await api.ok(
        "GET", f"{S}/detail", headers=V))["servers"]}
    return one, listed[sid]


async def test_host_status_follows_the_compute_service(api: Api) -> None:
    sid = (await create(api, await image_id(api), await flavor_id(api)))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    host = (await api.ok("GET", f"{S}/{sid}", headers=V))["server"]["OS-EXT-SRV-ATTR:host"]
    assert await statuses(api, sid) == ("UP", "UP")
    [svc] = [s["id"] for s in (await api.ok("GET", f"{C}/os-services?binary=nova-compute",
                                            headers=V253))["services"] if s["host"] == host]

    async def put(**body: object) -> None:
        await api.ok("PUT", f"{C}/os-services/{svc}", json=body, headers=V253)
    await put(status="disabled")
    assert await statuses(api, sid) == ("MAINTENANCE", "MAINTENANCE")
    await put(forced_down=True)
    assert await statuses(api, sid) == ("DOWN", "DOWN")       # down wins over disabled
    await put(status="enabled")
    assert await statuses(api, sid) == ("DOWN", "DOWN")
    await put(forced_down=False)
    assert await statuses(api, sid) == ("UP", "UP")
    # a server on no host shows an empty string; without 2.16 there is no key
    old = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert "host_status" not in old
