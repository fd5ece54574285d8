"""The admin areas of compute: os-services, os-hypervisors, os-aggregates,
os-availability-zone/detail and os-simple-tenant-usage, and how the scheduler sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import create, flavor_id, image_id, make_flavor, wait
from tests.conftest import BASE, Api, api_on, make_settings

C = "/compute/v2.1"


@pytest.fixture
async def two_hosts(tmp_path: Path) -> AsyncIterator[Api]:
    async with api_on(make_settings(tmp_path / "d", fake_hosts=2)) as api:
        yield api


async def member(api: Api) -> str:
    await api.make_project("team")
    await api.make_user("alice", "pw", project="team")
    return await api.token("alice", "pw", "team")


async def compute_hosts(api: Api) -> list[str]:
    svcs = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"]
    return [s["host"] for s in svcs]


async def test_services_list_filters_and_shape(api: Api) -> None:
    svcs = (await api.ok("GET", f"{C}/os-services"))["services"]
    assert {s["binary"] for s in svcs} == {"nova-compute", "nova-scheduler", "nova-conductor"}
    for s in svcs:
        assert set(s) == {"id", "binary", "host", "zone", "status", "state", "updated_at",
                          "disabled_reason"}
        assert isinstance(s["id"], int) and s["state"] == "up" and s["status"] == "enabled"
    assert {s["zone"] for s in svcs if s["binary"] != "nova-compute"} == {"internal"}
    host = svcs[0]["host"]
    assert (await api.ok("GET", f"{C}/os-services?host={host}&binary=xxx"))["services"] == []
    assert (await api.ok("GET", f"{C}/os-services?host=xxx"))["services"] == []
    again = (await api.ok("GET", f"{C}/os-services?xxx=1"))["services"]
    assert [s["id"] for s in again] == [s["id"] for s in svcs]   # ids are stable


async def test_disable_only_host_fails_boot_then_enable(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    [host] = await compute_hosts(api)
    body = {"host": host, "binary": "nova-compute", "disabled_reason": "maintenance"}
    got = await api.ok("PUT", f"{C}/os-services/disable-log-reason", json=body)
    assert got == {"service": {**body, "status": "disabled"}}
    [svc] = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"]
    assert (svc["status"], svc["disabled_reason"]) == ("disabled", "maintenance")
    sid = (await create(api, img, flv))["server"]["id"]
    srv = await wait(api, sid, "ERROR")
    assert "ComputeFilter removed 1" in srv["fault"]["message"]
    got = await api.ok("PUT", f"{C}/os-services/enable",
                       json={"host": host, "binary": "nova-compute"})
    assert got == {"service": {"host": host, "binary": "nova-compute", "status": "enabled"}}
    sid = (await create(api, img, flv))["server"]["id"]
    assert (await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == host


async def test_force_down_by_host_and_binary_at_2_11(api: Api) -> None:
    """PUT /os-services/force-down (2.11 to 2.52) takes `forced_down` as Nova's boolean
    (true or a string such as "false"); without it, Nova's 400."""
    [host] = await compute_hosts(api)
    h = {"OpenStack-API-Version": "compute 2.11"}
    for given, down in ((True, True), ("false", False), ("yes", True), (False, False)):
        got = await api.ok("PUT", f"{C}/os-services/force-down", headers=h,
                           json={"host": host, "binary": "nova-compute",
                                 "forced_down": given})
        assert got == {"service": {"host": host, "binary": "nova-compute",
                                   "forced_down": down}}
        [svc] = (await api.ok("GET", f"{C}/os-services?binary=nova-compute",
                              headers=h))["services"]
        assert svc["forced_down"] is down
    r = await api.req("PUT", f"{C}/os-services/force-down", headers=h,
                      json={"host": host, "binary": "nova-compute"})
    assert r.status_code == 400
    r = await api.req("PUT", f"{C}/os-services/force-down", headers=h,
                      json={"host": host, "binary": "nova-compute", "forced_down": "maybe"})
    assert r.status_code == 400 and "badRequest" in r.json()


async def test_services_bad_input_and_rbac(api: Api) -> None:
    [host] = await compute_hosts(api)
    r = await api.req("PUT", f"{C}/os-services/disable",
                      json={"host": "nope", "binary": "nova-compute"})
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        "Could not find binary nova-compute on host nope."
    r = await api.req("PUT", f"{C}/os-services/disable-log-reason",
                      json={"host": host, "binary": "nova-compute"})
    assert r.status_code == 400 and "Missing disabled reason" in r.text
    r = await api.req("PUT", f"{C}/os-services/disable", json={"host": host})
    assert r.status_code == 400 and "badRequest" in r.json()
    r = await api.req("PUT", f"{C}/os-services/force-down",   # 2.11 and later
                      json={"host": host, "binary": "nova-compute", "forced_down": True})
    assert r.status_code == 404
    tok = await member(api)
    for method, path in (("GET", "os-services"), ("GET", "os-hypervisors"),
                         ("GET", "os-hypervisors/statistics"), ("GET", "os-aggregates"),
                         ("GET", "os-simple-tenant-usage"),
                         ("GET", "os-availability-zone/detail")):
        r = await api.req(method, f"{C}/{path}", token=tok)
        assert r.status_code == 403, path
    r = await api.req("PUT", f"{C}/os-services/disable", token=tok,
                      json={"host": host, "binary": "nova-compute"})
    assert r.status_code == 403


async def test_hypervisors(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    [hv] = (await api.ok("GET", f"{C}/os-hypervisors"))["hypervisors"]
    assert set(hv) == {"id", "hypervisor_hostname", "state", "status"}
    [det] = (await api.ok("GET", f"{C}/os-hypervisors/detail"))["hypervisors"]
    show = (await api.ok("GET", f"{C}/os-hypervisors/{hv['id']}"))["hypervisor"]
    assert det == show and show["running_vms"] == 1 and show["vcpus_used"] == 1
    assert show["free_ram_mb"] == show["memory_mb"] - show["memory_mb_used"]
    assert isinstance(show["cpu_info"], str) and show["service"]["id"] == hv["id"]
    stats = (await api.ok("GET", f"{C}/os-hypervisors/statistics"))["hypervisor_statistics"]
    assert stats["count"] == 1 and stats["running_vms"] == 1
    up = (await api.ok("GET", f"{C}/os-hypervisors/{hv['id']}/uptime"))["hypervisor"]
    assert "load average" in up["uptime"]
    name = hv["hypervisor_hostname"]
    found = (await api.ok("GET", f"{C}/os-hypervisors/{name[:3]}/search"))["hypervisors"]
    assert [h["id"] for h in found] == [hv["id"]]
    [withs] = (await api.ok("GET", f"{C}/os-hypervisors/{name}/servers"))["hypervisors"]
    assert [s["uuid"] for s in withs["servers"]] == [sid]
    for path in ("os-hypervisors/999", "os-hypervisors/abc", "os-hypervisors/999/uptime",
                 "os-hypervisors/zzzz/search", "os-hypervisors/zzzz/servers"):
        r = await api.req("GET", f"{C}/{path}")
        assert r.status_code == 404 and "itemNotFound" in r.json(), path
    assert "Hypervisor with ID 'abc' could not be found." in (
        await api.req("GET", f"{C}/os-hypervisors/abc")).text


async def test_aggregates_crud_and_errors(api: Api) -> None:
    [host] = await compute_hosts(api)
    agg = (await api.ok("POST", f"{C}/os-aggregates",
                        json={"aggregate": {"name": "agg1", "availability_zone": "zone-a"}}))
    agg = agg["aggregate"]
    assert set(agg) == {"id", "name", "availability_zone", "created_at", "updated_at",
                        "deleted", "deleted_at"}
    aid = agg["id"]
    r = await api.req("POST", f"{C}/os-aggregates", json={"aggregate": {"name": "agg1"}})
    assert r.status_code == 409 and "Aggregate agg1 already exists." in r.text
    for bad in ({"name": ""}, {"name": "x" * 256}, {}, {"name": "a", "foo": 1}):
        r = await api.req("POST", f"{C}/os-aggregates", json={"aggregate": bad})
        assert r.status_code == 400, bad
    got = (await api.ok("POST", f"{C}/os-aggregates/{aid}/action",
                        json={"add_host": {"host": host}}))["aggregate"]
    assert got["hosts"] == [host] and got["metadata"] == {"availability_zone": "zone-a"}
    r = await api.req("POST", f"{C}/os-aggregates/{aid}/action",
                      json={"add_host": {"host": host}})
    assert r.status_code == 409
    r = await api.req("POST", f"{C}/os-aggregates/{aid}/action",
                      json={"add_host": {"host": "ghost"}})
    assert r.status_code == 404 and "Compute host ghost could not be found." in r.text
    # the host is now in zone-a for services, zones and the scheduler
    [svc] = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"]
    assert svc["zone"] == "zone-a"
    zones = (await api.ok("GET", f"{C}/os-availability-zone/detail"))["availabilityZoneInfo"]
    by = {z["zoneName"]: z for z in zones}
    assert "nova-compute" in by["zone-a"]["hosts"][host]
    assert "nova-scheduler" in next(iter(by["internal"]["hosts"].values()))
    assert {h.availability_zone for h in
            await api.node.controller.conductor.host_states()} == {"zone-a"}
    # a second aggregate in another zone may not take the host
    other = (await api.ok("POST", f"{C}/os-aggregates", json={"aggregate": {
        "name": "agg2", "availability_zone": "zone-b"}}))["aggregate"]["id"]
    r = await api.req("POST", f"{C}/os-aggregates/{other}/action",
                      json={"add_host": {"host": host}})
    assert r.status_code == 409 and "already in availability zone" in r.text
    got = (await api.ok("POST", f"{C}/os-aggregates/{aid}/action", json={
        "set_metadata": {"metadata": {"ssd": "true", "gone": None}}}))["aggregate"]
    assert got["metadata"] == {"availability_zone": "zone-a", "ssd": "true"}
    got = (await api.ok("PUT", f"{C}/os-aggregates/{aid}",
                        json={"aggregate": {"name": "renamed"}}))["aggregate"]
    assert got["name"] == "renamed" and got["updated_at"]
    r = await api.req("PUT", f"{C}/os-aggregates/{aid}", json={"aggregate": {}})
    assert r.status_code == 400
    r = await api.req("DELETE", f"{C}/os-aggregates/{aid}")
    assert r.status_code == 400 and "Host aggregate is not empty" in r.text
    provider = (await api.node.controller.compute.services.hosts())[0].provider_uuid
    _, in_placement = await api.node.controller.placement.service.provider_aggregates(provider)
    assert len(in_placement) == 1
    await api.ok("POST", f"{C}/os-aggregates/{aid}/action",
                 json={"remove_host": {"host": host}})
    r = await api.req("POST", f"{C}/os-aggregates/{aid}/action",
                      json={"remove_host": {"host": host}})
    assert r.status_code == 404 and f"Cannot remove host {host} in aggregate" in r.text
    assert (await api.node.controller.placement.service.provider_aggregates(provider))[1] == []
    listed = (await api.ok("GET", f"{C}/os-aggregates"))["aggregates"]
    assert {a["name"] for a in listed} == {"renamed", "agg2"}
    await api.ok("DELETE", f"{C}/os-aggregates/{aid}", 200)
    assert (await api.req("GET", f"{C}/os-aggregates/{aid}")).status_code == 404
    assert (await api.req("GET", f"{C}/os-aggregates/-1")).status_code == 404
    assert (await api.req("GET", f"{C}/os-aggregates/abc")).status_code == 400
    tok = await member(api)
    r = await api.req("POST", f"{C}/os-aggregates", token=tok,
                      json={"aggregate": {"name": "x"}})
    assert r.status_code == 403


async def test_aggregate_metadata_steers_placement(two_hosts: Api) -> None:
    api = two_hosts
    img = await image_id(api)
    hosts = await compute_hosts(api)
    assert len(hosts) == 2
    aid = (await api.ok("POST", f"{C}/os-aggregates",
                        json={"aggregate": {"name": "fast"}}))["aggregate"]["id"]
    await api.ok("POST", f"{C}/os-aggregates/{aid}/action",
                 json={"add_host": {"host": hosts[1]}})
    await api.ok("POST", f"{C}/os-aggregates/{aid}/action",
                 json={"set_metadata": {"metadata": {"ssd": "true"}}})
    flv = await make_flavor(api, "ssd", 128,
                            extra={"aggregate_instance_extra_specs:ssd": "true"})
    for i in range(3):
        sid = (await create(api, img, flv, name=f"s{i}"))["server"]["id"]
        assert (await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == hosts[1]
    miss = await make_flavor(api, "hdd", 128,
                             extra={"aggregate_instance_extra_specs:ssd": "false"})
    sid = (await create(api, img, miss))["server"]["id"]
    assert "AggregateInstanceExtraSpecsFilter" in (await wait(api, sid, "ERROR"))[
        "fault"]["message"]


def _q(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


async def test_simple_tenant_usage(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    now = datetime.now(UTC).replace(tzinfo=None)
    period = f"start={_q(now - timedelta(days=1))}&end={_q(now + timedelta(days=1))}"
    pid = await api.project_id("admin")
    [u] = (await api.ok("GET", f"{C}/os-simple-tenant-usage?{period}&detailed=1")
           )["tenant_usages"]
    assert len(u) == 8 and u["tenant_id"] == pid
    assert u["server_usages"][0]["instance_id"] == sid
    assert u["server_usages"][0]["state"] == "active" and u["total_hours"] > 0
    [brief] = (await api.ok("GET", f"{C}/os-simple-tenant-usage?{period}"))["tenant_usages"]
    assert "server_usages" not in brief
    one = (await api.ok("GET", f"{C}/os-simple-tenant-usage/{pid}?{period}"))["tenant_usage"]
    assert len(one) == 8
    assert abs(one["total_vcpus_usage"] - one["total_hours"]) < 1e-6
    await api.ok("DELETE", f"/compute/v2.1/servers/{sid}", 204)
    await wait(api, sid, "DELETED")
    [u] = (await api.ok("GET", f"{C}/os-simple-tenant-usage?{period}&detailed=1")
           )["tenant_usages"]
    assert u["server_usages"][0]["state"] == "terminated"
    empty = await api.ok("GET", f"{C}/os-simple-tenant-usage/other?{period}")
    assert empty == {"tenant_usage": {}}
    assert (await api.req("GET", f"{C}/os-simple-tenant-usage/?{period}")).status_code == 404
    swapped = f"start={_q(now + timedelta(days=1))}&end={_q(now - timedelta(days=1))}"
    r = await api.req("GET", f"{C}/os-simple-tenant-usage/{pid}?{swapped}")
    assert r.status_code == 400 and "cannot occur after the end time" in r.text
    r = await api.req("GET", f"{C}/os-simple-tenant-usage?start=yesterday")
    assert r.status_code == 400 and "Invalid datetime string" in r.text
    tok = await member(api)
    demo = await api.project_id("team")
    await api.ok("GET", f"{C}/os-simple-tenant-usage/{demo}?{period}", token=tok)
    r = await api.req("GET", f"{C}/os-simple-tenant-usage/{pid}?{period}", token=tok)
    assert r.status_code == 403


async def test_host_aggregates_in_placement_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d")
    node = AllInOne(settings)
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as c:
            api = Api(c, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            host = (await compute_hosts(api))[0]
            agg = (await api.ok("POST", f"{C}/os-aggregates", json={"aggregate": {
                "name": "fast"}}))["aggregate"]
            await api.ok("POST", f"{C}/os-aggregates/{agg['id']}/action",
                         json={"add_host": {"host": host}})
            provider = (await node.controller.conductor.host_states())[0]
            placement = node.controller.placement.service
            _, before = await placement.provider_aggregates(provider.provider_uuid)
            assert before
    finally:
        await node.stop()
    again = AllInOne(settings)
    await again.start()
    try:
        placement = again.controller.placement.service
        _, after = await placement.provider_aggregates(provider.provider_uuid)
        assert set(after) == set(before)
    finally:
        await again.stop()


async def test_zone_from_an_aggregate_is_listed(api: Api) -> None:
    host = (await compute_hosts(api))[0]
    agg = (await api.ok("POST", f"{C}/os-aggregates", json={"aggregate": {
        "name": "b", "availability_zone": "zone-b"}}))["aggregate"]
    names = [z["zoneName"] for z in (await api.ok(
        "GET", f"{C}/os-availability-zone"))["availabilityZoneInfo"]]
    assert "zone-b" not in names            # no host in it yet
    await api.ok("POST", f"{C}/os-aggregates/{agg['id']}/action",
                 json={"add_host": {"host": host}})
    names = [z["zoneName"] for z in (await api.ok(
        "GET", f"{C}/os-availability-zone"))["availabilityZoneInfo"]]
    assert "zone-b" in names and "internal" not in names
