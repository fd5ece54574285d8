"""Volume transfers, legacy (/os-volume-transfer) and 3.55/3.57 (/volume-transfers): the
auth key shown once, the volume awaiting-transfer meanwhile, the accept by another project
with the key (its quotas checked), Cinder's faults for a wrong key and a wrong state.
Responses are checked against Tempest's schemas."""

from __future__ import annotations

from typing import Any

from tests.api.volume.conftest import V3, fault, make_volume, mv, settle, status_of
from tests.api.volume.test_tempest_shapes import check
from tests.conftest import Api

OT = f"{V3}/os-volume-transfer"
VT = f"{V3}/volume-transfers"


async def offer(api: Api, vid: str, path: str = OT, version: str = "3.0",
                **extra: Any) -> dict[str, Any]:
    r = await api.req("POST", path, json={"transfer": {"volume_id": vid, "name": "gift",
                                                        **extra}}, headers=mv(version))
    module = {"3.0": "transfers", "3.55": "v3_55.transfers"}.get(version, "v3_57.transfers")
    check(module, "create_volume_transfer", r)
    return dict(r.json()["transfer"])


async def test_legacy_transfer_accept(vapi: Api, member: tuple[str, str]) -> None:
    token, pid = member
    vol = await make_volume(vapi, size=1, name="moving")
    t = await offer(vapi, vol["id"])
    assert len(t["auth_key"]) == 16
    assert await status_of(vapi, f"{V3}/volumes/{vol['id']}", "volume") == "awaiting-transfer"
    r = await vapi.req("GET", f"{OT}/{t['id']}")
    check("transfers", "show_volume_transfer", r)
    assert "auth_key" not in r.json()["transfer"]
    check("transfers", "list_volume_transfers_no_detail", await vapi.req("GET", OT))
    r = await vapi.req("GET", f"{OT}/detail")
    check("transfers", "list_volume_transfers_with_detail", r)
    assert [x["id"] for x in r.json()["transfers"]] == [t["id"]]
    # while offered: no second offer, no delete of the volume
    msg = await fault(vapi, "POST", OT, 400, "badRequest",
                      json={"transfer": {"volume_id": vol["id"]}})
    assert msg == "Invalid volume: status must be available"
    await fault(vapi, "DELETE", f"{V3}/volumes/{vol['id']}", 400, "badRequest")
    # the other project does not see the offer, but accepts it with the key
    await fault(vapi, "GET", f"{OT}/{t['id']}", 404, "itemNotFound", token)
    assert (await vapi.ok("GET", OT, 200, token))["transfers"] == []
    msg = await fault(vapi, "POST", f"{OT}/{t['id']}/accept", 400, "badRequest", token,
                      json={"accept": {"auth_key": "0" * 16}})
    assert msg == (f"Invalid auth key: Attempt to transfer {t['id']} with invalid auth key.")
    r = await vapi.req("POST", f"{OT}/{t['id']}/accept", token,
                       json={"accept": {"auth_key": t["auth_key"]}})
    check("transfers", "accept_volume_transfer", r)
    moved = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", 200, token))["volume"]
    assert moved["status"] == "available"
    assert moved["os-vol-tenant-attr:tenant_id"] == pid
    assert [v["id"] for v in (await vapi.ok("GET", f"{V3}/volumes"))["volumes"]] == []
    await fault(vapi, "GET", f"{OT}/{t['id']}", 404, "itemNotFound")     # used up
    await fault(vapi, "POST", f"{OT}/{t['id']}/accept", 404, "itemNotFound", token,
                json={"accept": {"auth_key": t["auth_key"]}})


async def test_delete_quota_and_bad_input(vapi: Api, member: tuple[str, str]) -> None:
    token, pid = member
    vol = await make_volume(vapi, size=2)
    t = await offer(vapi, vol["id"])
    r = await vapi.req("DELETE", f"{OT}/{t['id']}")
    assert r.status_code == 202, r.text
    assert await status_of(vapi, f"{V3}/volumes/{vol['id']}", "volume") == "available"
    # the receiving project's quotas: volumes, then gigabytes
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{pid}", 200,
                  json={"quota_set": {"volumes": 0}})
    t = await offer(vapi, vol["id"])
    msg = await fault(vapi, "POST", f"{OT}/{t['id']}/accept", 413, "overLimit", token,
                      json={"accept": {"auth_key": t["auth_key"]}})
    assert msg == "Maximum number of volumes allowed (0) exceeded for quota 'volumes'."
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{pid}", 200,
                  json={"quota_set": {"volumes": 5, "gigabytes": 1}})
    msg = await fault(vapi, "POST", f"{OT}/{t['id']}/accept", 413, "overLimit", token,
                      json={"accept": {"auth_key": t["auth_key"]}})
    assert "Requested 2G, quota is 1G and 0G has been consumed" in msg
    # still offered, still the donor's
    assert await status_of(vapi, f"{V3}/volumes/{vol['id']}", "volume") == "awaiting-transfer"
    await fault(vapi, "POST", OT, 400, "badRequest", json={"transfer": {}})
    await fault(vapi, "POST", OT, 404, "itemNotFound", json={"transfer": {
        "volume_id": "8e3b8a8c-52bb-4b7a-9c77-5b0a5b4f2d4a"}})
    await fault(vapi, "POST", OT, 400, "badRequest", json={"transfer": {
        "volume_id": vol["id"], "no_snapshots": True}})   # not in the legacy API
    await fault(vapi, "POST", f"{OT}/{t['id']}/accept", 400, "badRequest", token,
                json={"accept": {}})
    # a member cannot offer another project's volume
    await fault(vapi, "POST", OT, 404, "itemNotFound", token,
                json={"transfer": {"volume_id": vol["id"]}})


async def test_new_api_with_and_without_snapshots(vapi: Api, member: tuple[str, str]
                                                  ) -> None:
    token, pid = member
    await fault(vapi, "GET", VT, 404, "itemNotFound", headers=mv("3.54"))
    for no_snapshots in (False, True):
        vol = await make_volume(vapi, size=1)
        snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                              json={"snapshot": {"volume_id": vol["id"]}}))["snapshot"]
        await settle(vapi)
        t = await offer(vapi, vol["id"], VT, "3.57", no_snapshots=no_snapshots)
        assert (t["no_snapshots"], t["accepted"], t["destination_project_id"]) == (
            no_snapshots, False, None)
        r = await vapi.req("GET", f"{VT}/{t['id']}", headers=mv("3.57"))
        check("v3_57.transfers", "show_volume_transfer", r)
        r = await vapi.req("GET", f"{VT}/detail", headers=mv("3.55"))
        check("v3_55.transfers", "list_volume_transfers_with_detail", r)
        await vapi.ok("POST", f"{VT}/{t['id']}/accept", 202, token,
                      json={"accept": {"auth_key": t["auth_key"]}}, headers=mv("3.57"))
        theirs = {s["id"] for s in (await vapi.ok("GET", f"{V3}/snapshots", 200,
                                                  token))["snapshots"]}
        assert (snap["id"] in theirs) is (not no_snapshots)
    # a volume with a snapshot not available cannot be offered with its snapshots
    vol = await make_volume(vapi, size=1)
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": vol["id"]}}))["snapshot"]
    await settle(vapi)
    await vapi.ok("POST", f"{V3}/snapshots/{snap['id']}/action", 202,
                  json={"os-reset_status": {"status": "error"}})
    msg = await fault(vapi, "POST", VT, 400, "badRequest", headers=mv("3.55"),
                      json={"transfer": {"volume_id": vol["id"]}})
    assert msg == f"Invalid snapshot: snapshot: {snap['id']} status must be available"
