"""os-hosts, os-instance_usage_audit_log, os-server-password (with the metadata service's
password file) and the servers list's ip/ip6 filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from nubo.compute.service.hosts import last_completed_month
from nubo.compute.service.server_password import PasswordStore
from nubo.metadata.app import MetadataApp, sign
from nubo.metadata.source import InstanceSource
from tests.api.test_compute_admin import compute_hosts, member
from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

C = "/compute/v2.1"
V242 = {"OpenStack-API-Version": "compute 2.42"}
V243 = {"OpenStack-API-Version": "compute 2.43"}


def fault(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    [(key, body)] = r.json().items()
    assert body["code"] == status, r.text
    return str(body["message"])


async def test_hosts_list_zone_and_show(api: Api) -> None:
    hosts = (await api.ok("GET", f"{C}/os-hosts"))["hosts"]
    assert {h["service"] for h in hosts} == {"compute", "scheduler", "conductor"}
    assert all(set(h) == {"host_name", "service", "zone"} for h in hosts)
    [compute] = [h for h in hosts if h["service"] == "compute"]
    assert compute["zone"] == "nova"
    assert {h["zone"] for h in hosts if h["service"] != "compute"} == {"internal"}
    nova = (await api.ok("GET", f"{C}/os-hosts?zone=nova"))["hosts"]
    assert nova == [compute]
    assert (await api.ok("GET", f"{C}/os-hosts?zone="))["hosts"] == hosts
    assert (await api.ok("GET", f"{C}/os-hosts?zone=xxx"))["hosts"] == []

    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    flavor = (await api.ok("GET", f"{C}/flavors/{flv}"))["flavor"]
    host = compute["host_name"]
    rows = [r["resource"] for r in (await api.ok("GET", f"{C}/os-hosts/{host}"))["host"]]
    assert [r["project"] for r in rows[:3]] == ["(total)", "(used_now)", "(used_max)"]
    assert all(r["host"] == host and set(r) == {"host", "project", "cpu", "memory_mb",
                                                "disk_gb"} for r in rows)
    admin_project = await api.project_id("admin")
    [mine] = [r for r in rows if r["project"] == admin_project]
    assert (mine["cpu"], mine["memory_mb"], mine["disk_gb"]) == (
        flavor["vcpus"], flavor["ram"], flavor["disk"] + flavor["OS-FLV-EXT-DATA:ephemeral"])
    assert rows[2]["cpu"] == rows[1]["cpu"] == mine["cpu"]
    assert rows[0]["cpu"] >= mine["cpu"] and rows[0]["memory_mb"] > 0


async def test_hosts_refusals_and_versions(api: Api) -> None:
    host = (await compute_hosts(api))[0]
    msg = fault(await api.req("GET", f"{C}/os-hosts/nohost"), 404)
    assert msg == "Host 'nohost' is not mapped to any cell"
    for action in ("startup", "shutdown", "reboot"):
        fault(await api.req("GET", f"{C}/os-hosts/nohost/{action}"), 404)
        assert fault(await api.req("GET", f"{C}/os-hosts/{host}/{action}"), 501) == \
            "The requested functionality is not supported."
    for body in ({}, {"status": "invalid"}, {"maintenance_mode": "invalid"},
                 {"status": "enable", "param": "x"}):
        fault(await api.req("PUT", f"{C}/os-hosts/{host}", json=body), 400)
    fault(await api.req("PUT", f"{C}/os-hosts/nohost", json={"status": "enable"}), 404)
    fault(await api.req("PUT", f"{C}/os-hosts/{host}", json={
        "status": "disable", "maintenance_mode": "enable"}), 501)
    # the 501 came before anything changed
    assert (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"][0][
        "status"] == "enabled"
    token = await member(api)
    for method, path in (("GET", "/os-hosts"), ("GET", f"/os-hosts/{host}"),
                         ("GET", f"/os-hosts/{host}/reboot")):
        fault(await api.req(method, C + path, token=token), 403)
    fault(await api.req("PUT", f"{C}/os-hosts/{host}", token=token,
                        json={"status": "enable", "maintenance_mode": "enable"}), 403)
    assert (await api.req("GET", f"{C}/os-hosts", headers=V242)).status_code == 200
    fault(await api.req("GET", f"{C}/os-hosts", headers=V243), 404)
    fault(await api.req("GET", f"{C}/os-hosts/{host}", headers=V243), 404)


async def test_host_status_disables_the_compute_service(api: Api) -> None:
    host = (await compute_hosts(api))[0]
    out = await api.ok("PUT", f"{C}/os-hosts/{host}", json={"status": "Disable"})
    assert out == {"host": host, "status": "disabled"}
    [svc] = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"]
    assert svc["status"] == "disabled"
    # Nova lists enabled services only
    assert host not in [h["host_name"] for h in (await api.ok("GET", f"{C}/os-hosts"))[
        "hosts"] if h["service"] == "compute"]
    out = await api.ok("PUT", f"{C}/os-hosts/{host}", json={"status": "enable"})
    assert out == {"host": host, "status": "enabled"}
    [svc] = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"]
    assert svc["status"] == "enabled"


def test_last_completed_month() -> None:
    assert last_completed_month(datetime(2026, 11, 21, 11, 0)) == (
        datetime(2026, 10, 1), datetime(2026, 11, 1))
    assert last_completed_month(datetime(2026, 1, 1)) == (
        datetime(2025, 11, 1), datetime(2025, 12, 1))
    assert last_completed_month(datetime(2026, 1, 1, 0, 0, 1)) == (
        datetime(2025, 12, 1), datetime(2026, 1, 1))


async def test_audit_log(api: Api) -> None:
    hosts = await compute_hosts(api)
    log = (await api.ok("GET", f"{C}/os-instance_usage_audit_log"))[
        "instance_usage_audit_logs"]
    assert log["hosts_not_run"] == hosts and log["num_hosts"] == len(hosts)
    assert log["num_hosts_not_run"] == len(hosts) and log["num_hosts_done"] == 0
    assert log["log"] == {} and log["total_instances"] == log["total_errors"] == 0
    assert log["overall_status"] == f"0 of {len(hosts)} hosts done. 0 errors."
    shown = (await api.ok("GET", f"{C}/os-instance_usage_audit_log/"
                                 "2026-03-15%2010%3A00%3A00"))["instance_usage_audit_log"]
    assert (shown["period_beginning"], shown["period_ending"]) == (
        "2026-02-01 00:00:00", "2026-03-01 00:00:00")
    micro = await api.req("GET", f"{C}/os-instance_usage_audit_log/2026-03-15 10:00:00.5")
    assert micro.status_code == 200
    msg = fault(await api.req("GET", f"{C}/os-instance_usage_audit_log/invalid_time"), 400)
    assert msg == "Invalid timestamp for date invalid_time"
    token = await member(api)
    fault(await api.req("GET", f"{C}/os-instance_usage_audit_log", token=token), 403)
    fault(await api.req("GET", f"{C}/os-instance_usage_audit_log/2026-03-15 10:00:00",
                        token=token), 403)


async def test_server_password_and_metadata(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    sid = (await create(api, img, flv))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    path = f"{C}/servers/{sid}/os-server-password"
    assert await api.ok("GET", path) == {"password": ""}
    secret = b"s"
    app = MetadataApp(InstanceSource(api.node.controller.db).load, None, secret,
                      passwords=PasswordStore(api.node.controller.db))
    project = (await api.ok("GET", f"{C}/servers/{sid}"))["server"]["tenant_id"]
    hdr = {"X-Instance-ID": sid, "X-Instance-ID-Signature": sign(secret, sid),
           "X-Tenant-ID": project}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://169.254.169.254") as md:
        assert "password" in (await md.get("/openstack/latest", headers=hdr)).text.split()
        assert "password" not in (await md.get("/openstack/2012-08-10",
                                               headers=hdr)).text.split()
        assert (await md.get("/openstack/latest/password", headers=hdr)).text == ""
        assert (await md.post("/openstack/2012-08-10/password", headers=hdr,
                              content=b"x")).status_code == 405
        too_big = await md.post("/openstack/latest/password", headers=hdr,
                                content=b"x" * 1021)
        assert too_big.status_code == 400
        enc = "A" * 1020
        r = await md.post("/openstack/2013-04-04/password", headers=hdr, content=enc.encode())
        assert r.status_code == 200, r.text
        again = await md.post("/openstack/latest/password", headers=hdr, content=b"y")
        assert again.status_code == 409
        assert (await md.get("/openstack/latest/password", headers=hdr)).text == enc
        unsigned = await md.post("/openstack/latest/password", content=b"z",
                                 headers={"X-Instance-ID": sid, "X-Tenant-ID": project})
        assert unsigned.status_code == 403
        assert await api.ok("GET", path) == {"password": enc}
        # another project sees no such server; a member of it may not read it
        token = await member(api)
        fault(await api.req("GET", path, token=token), 404)
        fault(await api.req("DELETE", path, token=token), 404)
        assert await api.ok("DELETE", path, 204) is None
        assert await api.ok("GET", path) == {"password": ""}
        # cleared: the guest may store one again
        r = await md.post("/openstack/latest/password", headers=hdr, content=b"new")
        assert r.status_code == 200
    assert await api.ok("GET", path) == {"password": "new"}
    fault(await api.req("GET", f"{C}/servers/{'0' * 8}-0000-0000-0000-{'0' * 12}"
                               "/os-server-password"), 404)


async def _ids(api: Api, query: str, token: str | None = None,
               headers: dict[str, str] | None = None) -> list[str]:
    out: Any = await api.ok("GET", f"{C}/servers?{query}", token=token, headers=headers)
    return [s["id"] for s in out["servers"]]


async def test_list_filtered_by_ip(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    net, _ = await network(api, "ipnet", "10.20.0.0/24")
    ids = {}
    for name, ip in (("a", "10.20.0.1"), ("b", "10.20.0.10"), ("c", "10.20.0.21")):
        srv = (await create(api, img, flv, name=name, networks=[
            {"uuid": net, "fixed_ip": ip}]))["server"]
        await wait(api, srv["id"], "ACTIVE")
        ids[ip] = srv["id"]
    assert await _ids(api, "ip=10.20.0.10") == [ids["10.20.0.10"]]
    # a regular expression matched from the start: 10.20.0.1 also matches 10.20.0.10
    assert set(await _ids(api, "ip=10.20.0.1")) == {ids["10.20.0.1"], ids["10.20.0.10"]}
    assert set(await _ids(api, "ip=10%5C.20%5C.0%5C.1%24")) == {ids["10.20.0.1"]}
    assert set(await _ids(api, "ip=10.20")) == set(ids.values())
    assert await _ids(api, "ip=20.0") == []           # matched from the start
    assert await _ids(api, "ip6=10.20") == []         # v4 addresses never match ip6
    assert set(await _ids(api, "fixed_ip=10.20.0.1")) == {ids["10.20.0.1"]}
    # limit and marker count matching servers only (newest first)
    first = await _ids(api, "ip=10.20.0.1&limit=1")
    assert first == [ids["10.20.0.10"]]
    assert await _ids(api, f"ip=10.20.0.1&limit=1&marker={first[0]}") == [ids["10.20.0.1"]]
    fault(await api.req("GET", f"{C}/servers?ip=(("), 400)


def test_ip6_is_admin_only_before_2_5() -> None:
    from nubo.compute.service.servers_query import prepare
    from nubo.core.context import RequestContext
    from nubo.core.microversion import APIVersion

    user = RequestContext(request_id="r", user_id="u", project_id="p", roles=("member",))
    admin = RequestContext(request_id="r", user_id="u", project_id="p", roles=("admin",))
    q = {"ip": "10\\.", "ip6": "fd00:"}
    assert prepare(dict(q), user, APIVersion(2, 4)) == {"ip": "10\\."}
    assert prepare(dict(q), user, APIVersion(2, 5)) == q
    assert prepare(dict(q), admin, APIVersion(2, 1)) == q
    # fixed_ip: admin only, the exact address
    assert prepare({"fixed_ip": "10.0.0.1"}, admin, APIVersion(2, 1))["ip"] == \
        "^10\\.0\\.0\\.1$"
    assert prepare({"fixed_ip": "10.0.0.1"}, user, APIVersion(2, 1)) == {}
