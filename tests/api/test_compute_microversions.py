"""Compute microversions 2.1 .. 2.96: each behaviour change that clients depend on, asserted
in its old and its new shape; bodies are checked against Tempest's schema for the version
where Tempest has one."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import jsonschema
import pytest

from tests.api.compute_schemas import schema_module
from tests.api.test_compute_keypairs import ssh_key
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

C = "/compute/v2.1"
S = f"{C}/servers"


@pytest.fixture
async def env(api: Api) -> AsyncIterator[tuple[Api, str, str]]:
    yield api, await image_id(api), await flavor_id(api)


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def check(version: str, module: str, name: str, body: Any) -> None:
    """Validate against Tempest's schema for `version`: the module of the highest
    v2_<minor> package at or below it that has `module` (as Tempest picks them)."""
    mod = schema_module(version, module)
    jsonschema.Draft4Validator(getattr(mod, name)["response_body"],
                               format_checker=jsonschema.FormatChecker()).validate(body)


async def test_version_document_and_negotiation(api: Api) -> None:
    doc = await api.ok("GET", "/compute/v2.1")
    assert doc["version"]["version"] == "2.96" and doc["version"]["min_version"] == "2.1"
    r = await api.req("GET", f"{C}/flavors", headers=mv("latest"))
    assert r.headers["OpenStack-API-Version"] == "compute 2.96"
    assert (await api.req("GET", f"{C}/flavors", headers=mv("2.97"))).status_code == 406


async def test_server_view_grows_with_the_version(env: tuple[Api, str, str]) -> None:
    api, image, flavor = env
    sid = (await create(api, image, flavor, name="Web Server_1",
                        availability_zone="nova"))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    old = (await api.ok("GET", f"{S}/{sid}"))["server"]
    for key in ("locked", "description", "tags", "host_status", "OS-EXT-SRV-ATTR:hostname",
                "pinned_availability_zone", "server_groups"):
        assert key not in old
    assert set(old["flavor"]) == {"id", "links"}
    new = (await api.ok("GET", f"{S}/{sid}", headers=mv("2.96")))["server"]
    check("2.96", "servers", "get_server", {"server": new})
    assert new["locked"] is False and new["locked_reason"] is None
    assert new["description"] is None and new["tags"] == []
    assert new["host_status"] == "UP"                        # admin, host heard from
    assert new["OS-EXT-SRV-ATTR:hostname"] == "web-server-1"  # Nova's sanitized name
    assert new["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert new["flavor"]["original_name"] == "m1.nano" and "id" not in new["flavor"]
    assert new["trusted_image_certificates"] is None and new["server_groups"] == []
    assert new["pinned_availability_zone"] == "nova"
    listed = (await api.ok("GET", f"{S}/detail", headers=mv("2.96")))["servers"]
    check("2.96", "servers", "list_servers_detail", {"servers": listed})
    assert "server_groups" not in listed[0]       # 2.71 shows it in GET one server only


async def test_create_and_update_fields_of_later_versions(env: tuple[Api, str, str]) -> None:
    api, image, flavor = env
    body = {"server": {"name": "a", "imageRef": image, "flavorRef": flavor,
                       "description": "d1", "networks": "none", "tags": ["x", "y"],
                       "hostname": "my-host"}}
    # at 2.1 none of these exist: a 400 naming the first unknown one
    r = await api.req("POST", S, json=body)
    assert r.status_code == 400
    sid = (await api.ok("POST", S, 202, json=body, headers=mv("2.90")))["server"]["id"]
    srv = (await api.ok("GET", f"{S}/{sid}", headers=mv("2.90")))["server"]
    assert (srv["description"], srv["tags"], srv["OS-EXT-SRV-ATTR:hostname"]) == (
        "d1", ["x", "y"], "my-host")
    # 2.37: networks must be said
    nets = {"server": {"name": "b", "imageRef": image, "flavorRef": flavor}}
    assert (await api.req("POST", S, json=nets, headers=mv("2.37"))).status_code == 400
    # 2.90 refuses a hostname shared by several servers; 2.94 takes an FQDN
    multi = {"server": {**body["server"], "max_count": 2}}
    assert (await api.req("POST", S, json=multi, headers=mv("2.90"))).status_code == 400
    fqdn = {"server": {"hostname": "vm.example.org"}}
    assert (await api.req("PUT", f"{S}/{sid}", json=fqdn, headers=mv("2.90"))
            ).status_code == 400
    await api.ok("PUT", f"{S}/{sid}", json=fqdn, headers=mv("2.94"))
    # before 2.75 the update answer has no extended attributes; from 2.75 it is a GET
    short = (await api.ok("PUT", f"{S}/{sid}", json={"server": {"description": "d2"}},
                          headers=mv("2.74")))["server"]
    assert short["description"] == "d2" and "OS-EXT-STS:vm_state" not in short
    check("2.74", "servers", "update_server", {"server": short})
    full = (await api.ok("PUT", f"{S}/{sid}", json={"server": {"name": "a2"}},
                         headers=mv("2.96")))["server"]
    assert full["OS-EXT-SRV-ATTR:hostname"] == "vm.example.org"
    check("2.96", "servers", "update_server", {"server": full})


async def test_lock_reason_and_rebuild_answer(env: tuple[Api, str, str]) -> None:
    api, image, flavor = env
    sid = (await create(api, image, flavor))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    reason = {"lock": {"locked_reason": "maintenance"}}
    await api.ok("POST", f"{S}/{sid}/action", 202, json=reason)   # ignored before 2.73
    srv = (await api.ok("GET", f"{S}/{sid}", headers=mv("2.73")))["server"]
    assert (srv["locked"], srv["locked_reason"]) == (True, None)
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"unlock": None})
    await api.ok("POST", f"{S}/{sid}/action", 202, json=reason, headers=mv("2.73"))
    srv = (await api.ok("GET", f"{S}/{sid}", headers=mv("2.73")))["server"]
    assert (srv["locked"], srv["locked_reason"]) == (True, "maintenance")
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"unlock": None})
    user_data = base64.b64encode(b"#!/bin/sh\n").decode()
    rebuild = {"rebuild": {"imageRef": image, "user_data": user_data}}
    assert (await api.req("POST", f"{S}/{sid}/action", json=rebuild)).status_code == 400
    out = (await api.ok("POST", f"{S}/{sid}/action", 202, json=rebuild,
                        headers=mv("2.96")))["server"]
    check("2.96", "servers", "rebuild_server_with_admin_pass", {"server": out})
    assert out["user_data"] == user_data and "OS-EXT-SRV-ATTR:user_data" not in out


async def test_status_filter_and_changes_before(env: tuple[Api, str, str]) -> None:
    api, image, flavor = env
    sid = (await create(api, image, flavor))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    assert (await api.ok("GET", f"{S}?status=BOGUS"))["servers"] == []
    assert (await api.req("GET", f"{S}?status=BOGUS", headers=mv("2.38"))).status_code == 400
    past = "2000-01-01T00:00:00Z"
    # changes-before is ignored before 2.66, a filter from 2.66
    assert len((await api.ok("GET", f"{S}?changes-before={past}"))["servers"]) == 1
    assert (await api.ok("GET", f"{S}?changes-before={past}",
                         headers=mv("2.66")))["servers"] == []


async def test_keypair_type_status_codes_and_pages(api: Api) -> None:
    old = await api.ok("POST", f"{C}/os-keypairs", 200,
                       json={"keypair": {"name": "k0", "public_key": ssh_key()}})
    assert "type" not in old["keypair"]
    made = await api.ok("POST", f"{C}/os-keypairs", 201, headers=mv("2.2"),
                        json={"keypair": {"name": "k1", "type": "x509"}})
    check("2.2", "keypairs", "create_keypair", made)
    assert made["keypair"]["type"] == "x509" and "CERTIFICATE" in made["keypair"][
        "public_key"]
    await api.ok("POST", f"{C}/os-keypairs", 201, headers=mv("2.2"),
                 json={"keypair": {"name": "k2", "public_key": ssh_key()}})
    # 2.92: no more generated key pairs
    r = await api.req("POST", f"{C}/os-keypairs", headers=mv("2.92"),
                      json={"keypair": {"name": "k3"}})
    assert r.status_code == 400
    page = await api.ok("GET", f"{C}/os-keypairs?limit=2", headers=mv("2.35"))
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["k0", "k1"]
    assert "marker=k1" in page["keypairs_links"][0]["href"]
    rest = await api.ok("GET", f"{C}/os-keypairs?marker=k1", headers=mv("2.35"))
    assert [k["keypair"]["name"] for k in rest["keypairs"]] == ["k2"]
    assert len((await api.ok("GET", f"{C}/os-keypairs?limit=2"))["keypairs"]) == 3
    await api.ok("DELETE", f"{C}/os-keypairs/k2", 204, headers=mv("2.2"))
    await api.ok("DELETE", f"{C}/os-keypairs/k1", 202)


async def test_flavor_description_update_and_extra_specs(api: Api) -> None:
    fid = (await api.ok("GET", f"{C}/flavors"))["flavors"][0]["id"]
    old = (await api.ok("GET", f"{C}/flavors/{fid}"))["flavor"]
    assert "description" not in old and "extra_specs" not in old and old["swap"] == ""
    body = {"flavor": {"description": "small"}}
    assert (await api.req("PUT", f"{C}/flavors/{fid}", json=body)).status_code == 404
    await api.ok("POST", f"{C}/flavors/{fid}/os-extra_specs", 200,
                 json={"extra_specs": {"hw:cpu_policy": "shared"}})
    new = (await api.ok("PUT", f"{C}/flavors/{fid}", json=body, headers=mv("2.75")))
    check("2.61", "flavors", "create_update_get_flavor_details", new)
    assert new["flavor"]["description"] == "small" and new["flavor"]["swap"] == 0
    assert new["flavor"]["extra_specs"] == {"hw:cpu_policy": "shared"}
    listed = await api.ok("GET", f"{C}/flavors", headers=mv("2.55"))
    check("2.55", "flavors", "list_flavors", listed)


async def test_server_group_shapes(api: Api) -> None:
    old = (await api.ok("POST", f"{C}/os-server-groups", 200, json={"server_group": {
        "name": "g1", "policies": ["affinity"]}}))["server_group"]
    assert old["policies"] == ["affinity"] and "project_id" not in old
    body = {"server_group": {"name": "g2", "policy": "anti-affinity"}}
    assert (await api.req("POST", f"{C}/os-server-groups", json=body)).status_code == 400
    new = await api.ok("POST", f"{C}/os-server-groups", 200, json=body, headers=mv("2.64"))
    check("2.64", "server_groups", "create_show_server_group", new)
    assert new["server_group"]["policy"] == "anti-affinity"
    assert new["server_group"]["rules"] == {} and new["server_group"]["project_id"]


async def test_services_and_hypervisors_by_uuid(env: tuple[Api, str, str]) -> None:
    api, _, _ = env
    old = (await api.ok("GET", f"{C}/os-services?binary=nova-compute"))["services"][0]
    assert isinstance(old["id"], int) and "forced_down" not in old
    new = await api.ok("GET", f"{C}/os-services?binary=nova-compute", headers=mv("2.53"))
    check("2.53", "services", "list_services", new)
    svc = new["services"][0]
    out = await api.ok("PUT", f"{C}/os-services/{svc['id']}", headers=mv("2.53"),
                       json={"status": "disabled", "disabled_reason": "fix"})
    assert out["service"]["status"] == "disabled" and out["service"]["id"] == svc["id"]
    await api.ok("PUT", f"{C}/os-services/{svc['id']}", headers=mv("2.53"),
                 json={"status": "enabled"})
    hv = (await api.ok("GET", f"{C}/os-hypervisors/detail", headers=mv("2.53")))
    check("2.53", "hypervisors", "list_hypervisors_detail", hv)
    uuid = hv["hypervisors"][0]["id"]
    shown = await api.ok("GET", f"{C}/os-hypervisors/{uuid}", headers=mv("2.88"))
    assert "vcpus" not in shown["hypervisor"] and "uptime" in shown["hypervisor"]
    assert (await api.req("GET", f"{C}/os-hypervisors/statistics", headers=mv("2.88"))
            ).status_code == 404
    assert (await api.req("GET", f"{C}/os-hypervisors/x/search", headers=mv("2.53"))
            ).status_code == 404


async def test_quota_and_limits_drop_network_and_file_entries(api: Api) -> None:
    pid = await api.project_id("admin")
    old = (await api.ok("GET", f"{C}/os-quota-sets/{pid}"))["quota_set"]
    assert "floating_ips" in old and "injected_files" in old
    q236 = await api.ok("GET", f"{C}/os-quota-sets/{pid}", headers=mv("2.36"))
    check("2.36", "quotas", "get_quota_set", q236)
    assert "floating_ips" not in q236["quota_set"] and "injected_files" in q236["quota_set"]
    q257 = await api.ok("GET", f"{C}/os-quota-sets/{pid}", headers=mv("2.57"))
    check("2.57", "quotas", "get_quota_set", q257)
    assert "injected_files" not in q257["quota_set"]
    bad = {"quota_set": {"floating_ips": 3}}
    assert (await api.req("PUT", f"{C}/os-quota-sets/{pid}", json=bad, headers=mv("2.36"))
            ).status_code == 400
    lim = await api.ok("GET", f"{C}/limits", headers=mv("2.57"))
    check("2.57", "limits", "get_limit", lim)
    assert "maxPersonality" not in lim["limits"]["absolute"]
