"""Quotas (os-quota-sets, /limits, Cinder's 413s), cross-project isolation, availability
zones and the services list."""

from __future__ import annotations

from tests.api.volume.conftest import V3, fault, make_volume, mv, settle
from tests.conftest import Api


async def test_quota_show_defaults_update_usage(vapi: Api, member: tuple[str, str]) -> None:
    tok, pid = member
    q = f"{V3}/os-quota-sets/{pid}"
    shown = (await vapi.ok("GET", q, 200, tok))["quota_set"]
    assert shown["id"] == pid and shown["volumes"] == 10 and shown["gigabytes"] == 1000
    assert shown["snapshots"] == 10 and shown["per_volume_gigabytes"] == -1
    defaults = (await vapi.ok("GET", f"{q}/defaults", 200, tok))["quota_set"]
    assert defaults["volumes"] == 10
    await fault(vapi, "PUT", q, 403, "forbidden", tok, json={"quota_set": {"volumes": 100}})
    admin_pid = await vapi.project_id("admin")
    await fault(vapi, "GET", f"{V3}/os-quota-sets/{admin_pid}", 403, "forbidden", tok)
    upd = await vapi.ok("PUT", q, json={"quota_set": {"volumes": 2, "gigabytes": 4}})
    assert upd["quota_set"]["volumes"] == 2 and "id" not in upd["quota_set"]
    await make_volume(vapi, tok, size=2)
    used = (await vapi.ok("GET", f"{q}?usage=true", 200, tok))["quota_set"]
    assert used["volumes"] == {"limit": 2, "in_use": 1, "reserved": 0, "allocated": 0}
    assert used["gigabytes"]["in_use"] == 2
    msg = await fault(vapi, "POST", f"{V3}/volumes", 413, "overLimit", tok,
                      json={"volume": {"size": 3}})
    assert msg == ("Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                   "3G, quota is 4G and 2G has been consumed.")
    await make_volume(vapi, tok, size=1)
    msg = await fault(vapi, "POST", f"{V3}/volumes", 413, "overLimit", tok,
                      json={"volume": {"size": 1}})
    assert msg == "Maximum number of volumes allowed (2) exceeded for quota 'volumes'."
    limits = (await vapi.ok("GET", f"{V3}/limits", 200, tok))["limits"]["absolute"]
    assert limits["maxTotalVolumes"] == 2 and limits["totalVolumesUsed"] == 2
    assert limits["totalGigabytesUsed"] == 3 and limits["maxTotalVolumeGigabytes"] == 4
    msg = await fault(vapi, "PUT", q, 400, "badRequest", json={"quota_set": {"volumes": 1}})
    assert "must be equal or greater than existing resources" in msg
    await fault(vapi, "PUT", q, 400, "badRequest", json={"quota_set": {"bogus": 1}})
    await fault(vapi, "PUT", q, 400, "badRequest", json={"quota_set": {"volumes": "x"}})
    await fault(vapi, "PUT", q, 400, "badRequest", json={"quota_set": {"volumes": -2}})
    await vapi.ok("DELETE", q, 200)
    assert (await vapi.ok("GET", q, 200, tok))["quota_set"]["volumes"] == 10


async def test_snapshot_and_extend_quota(vapi: Api, member: tuple[str, str]) -> None:
    tok, pid = member
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{pid}",
                  json={"quota_set": {"snapshots": 1, "gigabytes": 4}})
    vol = await make_volume(vapi, tok, size=1)
    body = {"snapshot": {"volume_id": vol["id"]}}
    await vapi.ok("POST", f"{V3}/snapshots", 202, tok, json=body)
    await settle(vapi)
    msg = await fault(vapi, "POST", f"{V3}/snapshots", 413, "overLimit", tok, json=body)
    assert msg == "Maximum number of snapshots allowed (1) exceeded for quota 'snapshots'."
    msg = await fault(vapi, "POST", f"{V3}/volumes/{vol['id']}/action", 413, "overLimit", tok,
                      json={"os-extend": {"new_size": 4}})
    assert "exceeds allowed gigabytes quota" in msg


async def test_projects_do_not_see_each_other(vapi: Api, member: tuple[str, str]) -> None:
    tok, pid = member
    mine = await make_volume(vapi, tok, name="olgas")
    admins = await make_volume(vapi, name="admins")
    listed = (await vapi.ok("GET", f"{V3}/volumes/detail", 200, tok))["volumes"]
    assert [v["id"] for v in listed] == [mine["id"]]
    assert listed[0]["os-vol-tenant-attr:tenant_id"] == pid
    assert "os-vol-host-attr:host" not in listed[0]
    path = f"{V3}/volumes/{admins['id']}"
    await fault(vapi, "GET", path, 404, "itemNotFound", tok)
    await fault(vapi, "PUT", path, 404, "itemNotFound", tok, json={"volume": {"name": "x"}})
    await fault(vapi, "DELETE", path, 404, "itemNotFound", tok)
    await fault(vapi, "POST", f"{path}/action", 404, "itemNotFound", tok,
                json={"os-extend": {"new_size": 5}})
    await fault(vapi, "GET", f"{path}/metadata", 404, "itemNotFound", tok)
    await fault(vapi, "POST", f"{V3}/snapshots", 404, "itemNotFound", tok,
                json={"snapshot": {"volume_id": admins["id"]}})
    # all_tenants is an admin's; a member asking is still shown only their own
    listed = (await vapi.ok("GET", f"{V3}/volumes?all_tenants=1", 200, tok))["volumes"]
    assert [v["id"] for v in listed] == [mine["id"]]
    own = (await vapi.ok("GET", f"{V3}/volumes"))["volumes"]
    assert [v["id"] for v in own] == [admins["id"]]
    everyone = (await vapi.ok("GET", f"{V3}/volumes/detail?all_tenants=1"))["volumes"]
    assert {v["id"] for v in everyone} == {mine["id"], admins["id"]}
    assert "os-vol-host-attr:host" in everyone[0]
    # an admin reaches any volume by id
    assert (await vapi.ok("GET", f"{V3}/volumes/{mine['id']}"))["volume"]["name"] == "olgas"
    # a reader of the project reads but does not write
    await vapi.make_user("rita", "pw", "other", "reader")
    rtok = await vapi.token("rita", "pw", "other")
    assert (await vapi.ok("GET", f"{V3}/volumes/{mine['id']}", 200, rtok))["volume"]["id"]
    await fault(vapi, "POST", f"{V3}/volumes", 403, "forbidden", rtok,
                json={"volume": {"size": 1}})
    await fault(vapi, "DELETE", f"{V3}/volumes/{mine['id']}", 403, "forbidden", rtok)
    await fault(vapi, "GET", f"{V3}/volumes?bogus=1", 400, "badRequest", tok)


async def test_zones_and_services(vapi: Api, member: tuple[str, str]) -> None:
    tok, _pid = member
    zones = (await vapi.ok("GET", f"{V3}/os-availability-zone", 200,
                           tok))["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": True}}]
    services = (await vapi.ok("GET", f"{V3}/os-services", headers=mv("3.49")))["services"]
    assert {s["binary"]: s["state"] for s in services} == {"cinder-scheduler": "up",
                                                           "cinder-volume": "up"}
    assert [s["backend_state"] for s in services if s["binary"] == "cinder-volume"] == ["up"]
    only = (await vapi.ok("GET", f"{V3}/os-services?binary=cinder-volume"))["services"]
    assert [s["binary"] for s in only] == ["cinder-volume"]
    await fault(vapi, "GET", f"{V3}/os-services", 403, "forbidden", tok)
