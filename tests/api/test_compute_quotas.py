"""Quota sets, quota classes, limits and availability zones as Nova serves them at 2.1,
and the in-process quota check server create uses (usage counted at check time)."""

from __future__ import annotations

import pytest

from tests.api.compute_schemas import check
from tests.conftest import Api

C = "/compute/v2.1"


async def demo_member(api: Api) -> str:
    await api.make_user("alice", "pw", project="demo")
    return await api.token("alice", "pw", "demo")


async def test_show_defaults_detail(api: Api) -> None:
    pid = await api.project_id("demo")
    body = await api.ok("GET", f"{C}/os-quota-sets/{pid}")
    check("quotas", "get_quota_set", body, 200)
    q = body["quota_set"]
    assert (q["id"], q["instances"], q["cores"], q["ram"], q["key_pairs"]) == \
        (pid, 10, 20, 51200, 100)
    assert q["floating_ips"] == -1 and q["server_groups"] == 10
    defaults = await api.ok("GET", f"{C}/os-quota-sets/{pid}/defaults")
    check("quotas", "get_quota_set", defaults, 200)
    assert defaults == body
    detail = await api.ok("GET", f"{C}/os-quota-sets/{pid}/detail")
    check("quotas", "get_quota_set_details", detail, 200)
    assert detail["quota_set"]["instances"] == {"limit": 10, "in_use": 0, "reserved": 0}
    r = await api.req("GET", f"{C}/os-quota-sets/not-a-project")
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Project ID not-a-project is not a valid project."


async def test_update_and_reset(api: Api) -> None:
    pid = await api.project_id("demo")
    body = await api.ok("PUT", f"{C}/os-quota-sets/{pid}",
                        json={"quota_set": {"instances": 5, "ram": "1024", "cores": -1}})
    check("quotas", "update_quota_set", body, 200)
    assert "id" not in body["quota_set"]
    q = (await api.ok("GET", f"{C}/os-quota-sets/{pid}"))["quota_set"]
    assert (q["instances"], q["ram"], q["cores"]) == (5, 1024, -1)
    # the defaults are untouched
    d = (await api.ok("GET", f"{C}/os-quota-sets/{pid}/defaults"))["quota_set"]
    assert d["instances"] == 10
    # per user inside the project
    user = await api.make_user("quser", "pw", project="demo")
    await api.ok("PUT", f"{C}/os-quota-sets/{pid}?user_id={user['id']}",
                 json={"quota_set": {"instances": 2}})
    uq = (await api.ok("GET", f"{C}/os-quota-sets/{pid}?user_id={user['id']}"))["quota_set"]
    assert uq["instances"] == 2 and uq["ram"] == 1024
    r = await api.req("PUT", f"{C}/os-quota-sets/{pid}?user_id={user['id']}",
                      json={"quota_set": {"instances": 6}})
    assert r.status_code == 400
    assert "must be less than or equal to 5" in r.json()["badRequest"]["message"]
    r = await api.req("DELETE", f"{C}/os-quota-sets/{pid}")
    assert r.status_code == 202
    q = (await api.ok("GET", f"{C}/os-quota-sets/{pid}"))["quota_set"]
    assert (q["instances"], q["ram"], q["cores"]) == (10, 51200, 20)


@pytest.mark.parametrize("body", [
    {"quota_set": {"instances": -2}},
    {"quota_set": {"instances": "ten"}},
    {"quota_set": {"instances": 2**31}},
    {"quota_set": {"bogus": 1}},
    {"quota_set": {"force": "maybe"}},
    {"quota": {}},
])
async def test_bad_update_is_400_and_changes_nothing(api: Api, body: object) -> None:
    pid = await api.project_id("demo")
    before = await api.ok("GET", f"{C}/os-quota-sets/{pid}")
    r = await api.req("PUT", f"{C}/os-quota-sets/{pid}", json=body)
    assert r.status_code == 400 and "badRequest" in r.json(), r.text
    assert await api.ok("GET", f"{C}/os-quota-sets/{pid}") == before


async def test_rbac(api: Api) -> None:
    tok = await demo_member(api)
    demo, admin = await api.project_id("demo"), await api.project_id("admin")
    assert (await api.ok("GET", f"{C}/os-quota-sets/{demo}", token=tok))["quota_set"]["id"] \
        == demo
    assert (await api.req("GET", f"{C}/os-quota-sets/{admin}", tok)).status_code == 403
    assert (await api.req("GET", f"{C}/os-quota-sets/{admin}/defaults", tok)).status_code \
        == 200
    r = await api.req("PUT", f"{C}/os-quota-sets/{demo}", tok,
                      json={"quota_set": {"instances": 100}})
    assert r.status_code == 403 and "os-quota-sets:update" in r.json()["forbidden"]["message"]
    assert (await api.req("DELETE", f"{C}/os-quota-sets/{demo}", tok)).status_code == 403
    assert (await api.req("GET", f"{C}/os-quota-class-sets/default", tok)).status_code == 403
    assert (await api.req("GET", f"{C}/limits?tenant_id={admin}", tok)).status_code == 403
    assert (await api.req("GET", f"{C}/os-availability-zone/detail", tok)).status_code == 403


async def test_quota_classes(api: Api) -> None:
    body = await api.ok("GET", f"{C}/os-quota-class-sets/default")
    check("quota_classes", "get_quota_class_set", body, 200)
    assert body["quota_class_set"]["id"] == "default"
    assert "server_groups" not in body["quota_class_set"]      # only from 2.50
    up = await api.ok("PUT", f"{C}/os-quota-class-sets/default",
                      json={"quota_class_set": {"instances": 50, "cores": 100}})
    check("quota_classes", "update_quota_class_set", up, 200)
    assert up["quota_class_set"]["instances"] == 50
    pid = await api.project_id("demo")
    q = (await api.ok("GET", f"{C}/os-quota-sets/{pid}"))["quota_set"]
    assert (q["instances"], q["cores"]) == (50, 100)   # projects without overrides follow
    r = await api.req("PUT", f"{C}/os-quota-class-sets/default",
                      json={"quota_class_set": {"instances": "many"}})
    assert r.status_code == 400


async def test_limits(api: Api) -> None:
    body = await api.ok("GET", f"{C}/limits")
    check("limits", "get_limit", body, 200)
    a = body["limits"]["absolute"]
    assert (a["maxTotalInstances"], a["maxTotalCores"], a["maxTotalRAMSize"],
            a["maxTotalKeypairs"], a["totalInstancesUsed"]) == (10, 20, 51200, 100, 0)
    assert body["limits"]["rate"] == []
    demo = await api.project_id("demo")
    await api.ok("PUT", f"{C}/os-quota-sets/{demo}", json={"quota_set": {"instances": 3}})
    other = await api.ok("GET", f"{C}/limits?tenant_id={demo}")
    assert other["limits"]["absolute"]["maxTotalInstances"] == 3


async def test_availability_zones(api: Api) -> None:
    body = await api.ok("GET", f"{C}/os-availability-zone")
    check("availability_zone", "list_availability_zone_list", body, 200)
    assert body == {"availabilityZoneInfo": [{"zoneName": "nova",
                                              "zoneState": {"available": True},
                                              "hosts": None}]}

    async def hosts() -> dict[str, dict[str, dict[str, object]]]:
        return {"nova": {"host1": {"nova-compute": {"available": True, "active": True,
                                                    "updated_at": None}}}}
    api.node.controller.compute.availability_zones.register_hosts(hosts)
    detail = await api.ok("GET", f"{C}/os-availability-zone/detail")
    check("availability_zone", "list_availability_zone_list_detail", detail, 200)
    assert detail["availabilityZoneInfo"][0]["hosts"]["host1"]["nova-compute"]["active"]


async def test_check_counts_usage_at_check_time(api: Api) -> None:
    from nubo.core.context import RequestContext
    from nubo.core.errors import Forbidden

    quotas = api.node.controller.compute.quotas
    used = {"instances": 10, "cores": 10, "ram": 5120}

    def counter(res: str):  # type: ignore[no-untyped-def]
        async def count(project_id: str, user_id: str | None) -> int:
            return used[res]
        return count
    for res in used:
        quotas.register_counter(res, counter(res))
    pid = await api.project_id("demo")
    ctx = RequestContext(request_id="r", user_id="u", project_id=pid)
    with pytest.raises(Forbidden) as exc:
        await quotas.check(ctx, pid, "u", {"instances": 1, "cores": 1, "ram": 512})
    assert exc.value.message == \
        "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"
    used["instances"] = 3
    await quotas.check(ctx, pid, "u", {"instances": 1, "cores": 1, "ram": 512})
    with pytest.raises(Forbidden) as exc:
        await quotas.check(ctx, pid, "u", {"instances": 1, "cores": 11, "ram": 99999})
    assert exc.value.message == ("Quota exceeded for cores, ram: Requested 11, 99999, but "
                                 "already used 10, 5120 of 20, 51200 cores, ram")
    # usage shows in the detail and /limits; a limit below usage needs force
    detail = await api.ok("GET", f"{C}/os-quota-sets/{pid}/detail")
    assert detail["quota_set"]["cores"]["in_use"] == 10
    r = await api.req("PUT", f"{C}/os-quota-sets/{pid}", json={"quota_set": {"cores": 5}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Quota limit 5 for cores must be greater than or equal to already used and "
        "reserved 10.")
    await api.ok("PUT", f"{C}/os-quota-sets/{pid}",
                 json={"quota_set": {"cores": 5, "force": True}})
    limits = await api.ok("GET", f"{C}/limits?tenant_id={pid}")
    assert limits["limits"]["absolute"]["totalCoresUsed"] == 10
