"""User messages (3.3): what the backend's failures after a 202 leave for the project to
read, with Cinder's event ids and words; list (filters; sort and paging at 3.5), show,
delete, only the project's own. Responses are checked against Tempest's schemas."""

from __future__ import annotations

from tests.api.volume.conftest import V3, fake, fault, make_volume, mv, settle
from tests.api.volume.test_tempest_shapes import check
from tests.conftest import Api

M = f"{V3}/messages"


async def test_failures_leave_messages(vapi: Api, member: tuple[str, str]) -> None:
    token, _pid = member
    fake(vapi).inject("create")
    failed = await make_volume(vapi, size=1, name="broken")
    fake(vapi).clear()
    await make_volume(vapi, size=40, name="hog")            # the backend has 50 GiB
    big = await make_volume(vapi, size=30, name="big")        # no room left: error
    vol = await make_volume(vapi, size=1)
    fake(vapi).inject("snapshot")
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": vol["id"]}}))["snapshot"]
    await settle(vapi)
    fake(vapi).clear()
    fake(vapi).inject("extend")
    await vapi.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202,
                  json={"os-extend": {"new_size": 2}})
    await settle(vapi)
    r = await vapi.req("GET", M, headers=mv("3.3"))
    check("messages", "list_messages", r)
    got = {(m["resource_uuid"], m["event_id"], m["user_message"]) for m in r.json()["messages"]}
    assert got == {
        (failed["id"], "VOLUME_VOLUME_008_012",
         "create volume from backend storage: Driver failed to create the volume."),
        (big["id"], "VOLUME_VOLUME_001_003",
         "schedule allocate volume: Could not find any available weighted backend."),
        (snap["id"], "VOLUME_VOLUME_SNAPSHOT_009_013",
         "create snapshot: Snapshot failed to create."),
        (vol["id"], "VOLUME_VOLUME_007_010",
         "extend volume: Volume Driver failed to extend volume.")}
    one = next(m for m in r.json()["messages"] if m["resource_uuid"] == failed["id"])
    r = await vapi.req("GET", f"{M}/{one['id']}", headers=mv("3.3"))
    check("messages", "show_message", r)
    assert r.json()["message"]["guaranteed_until"] > r.json()["message"]["created_at"]
    # filters; sort and limit from 3.5
    only = await vapi.ok("GET", f"{M}?resource_type=VOLUME_SNAPSHOT", headers=mv("3.3"))
    assert [m["resource_uuid"] for m in only["messages"]] == [snap["id"]]
    page = await vapi.ok("GET", f"{M}?sort=event_id:asc&limit=2", headers=mv("3.5"))
    assert [m["event_id"] for m in page["messages"]] == ["VOLUME_VOLUME_001_003",
                                                         "VOLUME_VOLUME_007_010"]
    assert page["messages_links"]
    # the project's own only; below 3.3 there is no such API
    assert (await vapi.ok("GET", M, 200, token, headers=mv("3.3")))["messages"] == []
    await fault(vapi, "GET", f"{M}/{one['id']}", 404, "itemNotFound", token,
                headers=mv("3.3"))
    await fault(vapi, "DELETE", f"{M}/{one['id']}", 404, "itemNotFound", token,
                headers=mv("3.3"))
    await fault(vapi, "GET", M, 404, "itemNotFound", headers=mv("3.0"))
    r = await vapi.req("DELETE", f"{M}/{one['id']}", headers=mv("3.3"))
    check("messages", "delete_message", r)
    await fault(vapi, "GET", f"{M}/{one['id']}", 404, "itemNotFound", headers=mv("3.3"))
    await fault(vapi, "GET", f"{M}?bogus=1", 400, "badRequest", token, headers=mv("3.3"))


async def test_admin_reads_every_project(vapi: Api, member: tuple[str, str]) -> None:
    token, _pid = member
    fake(vapi).inject("create")
    theirs = await make_volume(vapi, token, size=1)
    mine = await make_volume(vapi, size=1)
    fake(vapi).clear()
    seen = {m["resource_uuid"] for m in (await vapi.ok("GET", M, headers=mv("3.3")))[
        "messages"]}
    assert seen == {theirs["id"], mine["id"]}
    own = {m["resource_uuid"] for m in (await vapi.ok("GET", M, 200, token,
                                                      headers=mv("3.3")))["messages"]}
    assert own == {theirs["id"]}
