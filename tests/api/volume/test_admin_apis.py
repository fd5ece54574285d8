"""What Tempest's volume area needed besides volumes and snapshots: backends (pools,
capabilities, os-hosts), os-services actions, the default quota class and per type quotas,
QoS specs, type encryption, the volume summary, retype, force detach, snapshot status."""

from __future__ import annotations

import uuid

from tests.api.volume.conftest import V3, fault, make_volume, mv, settle, status_of
from tests.conftest import Api


async def test_pools_capabilities_and_hosts(vapi: Api) -> None:
    pools = (await vapi.ok("GET", f"{V3}/scheduler-stats/get_pools"))["pools"]
    assert len(pools) == 1 and list(pools[0]) == ["name"]
    name = pools[0]["name"]
    host, _, pool = name.partition("#")
    assert "@" in host and pool
    detail = (await vapi.ok("GET", f"{V3}/scheduler-stats/get_pools?detail=true"))["pools"]
    caps = detail[0]["capabilities"]
    assert caps["volume_backend_name"] == "fake" and caps["total_capacity_gb"] == 50
    shown = await vapi.ok("GET", f"{V3}/capabilities/{name}")
    assert (shown["volume_backend_name"], shown["vendor_name"], shown["storage_protocol"]) \
        == (caps["volume_backend_name"], caps["vendor_name"], caps["storage_protocol"])
    assert shown["namespace"] == f"OS::Storage::Capabilities::{host}"
    await fault(vapi, "GET", f"{V3}/capabilities/nowhere@x", 404, "itemNotFound")
    hosts = (await vapi.ok("GET", f"{V3}/os-hosts"))["hosts"]
    assert sorted(h["service"] for h in hosts) == ["cinder-scheduler", "cinder-volume"]
    vol_host = next(h["host_name"] for h in hosts if h["service"] == "cinder-volume")
    await make_volume(vapi, size=3)
    rows = [r["resource"] for r in (await vapi.ok("GET", f"{V3}/os-hosts/{vol_host}"))["host"]]
    assert rows[0]["project"] == "(total)" and rows[0]["volume_count"] == "1"
    assert rows[0]["total_volume_gb"] == "3" and len(rows) == 2
    await fault(vapi, "GET", f"{V3}/os-hosts/nowhere", 404, "itemNotFound")


async def test_backend_apis_are_admin_only(vapi: Api, member: tuple[str, str]) -> None:
    token, _pid = member
    for path in ("scheduler-stats/get_pools", "os-hosts", "os-services", "qos-specs",
                 "os-quota-class-sets/default"):
        await fault(vapi, "GET", f"{V3}/{path}", 403, "forbidden", token)


async def test_services_filter_and_actions(vapi: Api) -> None:
    services = (await vapi.ok("GET", f"{V3}/os-services"))["services"]
    volume = next(s for s in services if s["binary"] == "cinder-volume")
    bare = volume["host"].split("@")[0]
    # Cinder's host filter: the bare host matches host@backend too
    found = (await vapi.ok("GET", f"{V3}/os-services?host={bare}"))["services"]
    assert sorted(s["binary"] for s in found) == ["cinder-scheduler", "cinder-volume"]
    body = {"host": volume["host"], "binary": "cinder-volume"}
    out = await vapi.ok("PUT", f"{V3}/os-services/disable-log-reason",
                        json={**body, "disabled_reason": "maintenance"})
    assert out["status"] == "disabled" and out["disabled_reason"] == "maintenance"
    listed = (await vapi.ok("GET", f"{V3}/os-services?binary=cinder-volume"))["services"]
    assert listed[0]["status"] == "disabled"
    assert (await vapi.ok("PUT", f"{V3}/os-services/enable", json=body))["disabled"] is False
    await fault(vapi, "PUT", f"{V3}/os-services/disable-log-reason", 400, "badRequest",
                json={**body, "disabled_reason": None})
    await fault(vapi, "PUT", f"{V3}/os-services/enable", 404, "itemNotFound",
                json={"host": "nowhere", "binary": "cinder-volume"})
    await fault(vapi, "PUT", f"{V3}/os-services/disable", 404, "itemNotFound",
                json={"host": volume["host"], "binary": "cinder-nothing"})
    await fault(vapi, "PUT", f"{V3}/os-services/freeze", 400, "badRequest",
                json={"host": "nowhere"})
    await vapi.ok("PUT", f"{V3}/os-services/freeze", json={"host": volume["host"]})
    listed = (await vapi.ok("GET", f"{V3}/os-services?binary=cinder-volume"))["services"]
    assert listed[0]["frozen"] is True
    await vapi.ok("PUT", f"{V3}/os-services/thaw", json={"host": volume["host"]})


async def test_default_quota_class_and_per_type_quotas(vapi: Api,
                                                       member: tuple[str, str]) -> None:
    token, pid = member
    t = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "gold"}}))[
        "volume_type"]
    cls = (await vapi.ok("GET", f"{V3}/os-quota-class-sets/default"))["quota_class_set"]
    assert cls["id"] == "default" and cls["volumes"] == 10 and cls["volumes_gold"] == -1
    upd = await vapi.ok("PUT", f"{V3}/os-quota-class-sets/default",
                        json={"quota_class_set": {"volumes": 11, "volumes_gold": 1}})
    assert upd["quota_class_set"]["volumes"] == 11
    defaults = (await vapi.ok("GET", f"{V3}/os-quota-sets/{pid}/defaults"))["quota_set"]
    assert defaults["volumes"] == 11 and defaults["volumes_gold"] == 1
    await fault(vapi, "PUT", f"{V3}/os-quota-class-sets/default", 400, "badRequest",
                json={"quota_class_set": {"volumes_nosuchtype": 1}})
    # the per type limit holds for that type only
    await make_volume(vapi, token, volume_type=t["id"])
    msg = await fault(vapi, "POST", f"{V3}/volumes", 413, "overLimit", token,
                      json={"volume": {"size": 1, "volume_type": t["id"]}})
    assert "volumes_gold" in msg
    await make_volume(vapi, token)
    usage = (await vapi.ok("GET", f"{V3}/os-quota-sets/{pid}?usage=true"))["quota_set"]
    assert usage["volumes_gold"]["in_use"] == 1 and usage["volumes"]["in_use"] == 2
    assert usage["gigabytes_gold"]["in_use"] == 1


async def test_qos_specs(vapi: Api) -> None:
    q = "/volume/v3/qos-specs"
    created = await vapi.ok("POST", q, json={"qos_specs": {
        "name": "fast", "consumer": "front-end", "read_iops_sec": "2000"}})
    spec = created["qos_specs"]
    assert spec["specs"] == {"read_iops_sec": "2000"} and created["links"]
    await fault(vapi, "POST", q, 409, "conflictingRequest",
                json={"qos_specs": {"name": "fast"}})
    await fault(vapi, "POST", q, 400, "badRequest",
                json={"qos_specs": {"name": "x", "consumer": "sideways"}})
    qid = spec["id"]
    assert (await vapi.ok("PUT", f"{q}/{qid}", json={"qos_specs": {"iops": "5"}})) == \
        {"qos_specs": {"iops": "5"}}
    await vapi.ok("PUT", f"{q}/{qid}/delete_keys", 202, json={"keys": ["iops"]})
    assert (await vapi.ok("GET", f"{q}/{qid}"))["qos_specs"]["specs"] == \
        {"read_iops_sec": "2000"}
    await fault(vapi, "PUT", f"{q}/{qid}/delete_keys", 404, "itemNotFound",
                json={"keys": ["iops"]})
    t = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "t"}}))[
        "volume_type"]
    await vapi.ok("GET", f"{q}/{qid}/associate?vol_type_id={t['id']}", 202)
    assoc = (await vapi.ok("GET", f"{q}/{qid}/associations"))["qos_associations"]
    assert assoc == [{"association_type": "volume_type", "id": t["id"], "name": "t"}]
    assert (await vapi.ok("GET", f"{V3}/types/{t['id']}"))["volume_type"][
        "qos_specs_id"] == qid
    # front-end specs reach the hypervisor in connection_info (Nova's iotune)
    vol = await make_volume(vapi, volume_type=t["id"])
    info = (await vapi.ok("POST", f"{V3}/volumes/{vol['id']}/action", json={
        "os-initialize_connection": {"connector": {"host": "h"}}}))["connection_info"]
    assert info["data"]["qos_specs"] == {"read_iops_sec": "2000"}
    await fault(vapi, "DELETE", f"{q}/{qid}", 400, "badRequest")       # in use
    await vapi.ok("GET", f"{q}/{qid}/disassociate_all", 202)
    assert (await vapi.ok("GET", f"{q}/{qid}/associations"))["qos_associations"] == []
    await vapi.ok("GET", f"{q}/{qid}/associate?vol_type_id={t['id']}", 202)
    await vapi.ok("DELETE", f"{q}/{qid}?force=true", 202)
    await fault(vapi, "GET", f"{q}/{qid}", 404, "itemNotFound")
    assert (await vapi.ok("GET", f"{V3}/types/{t['id']}"))["volume_type"][
        "qos_specs_id"] is None


async def test_type_encryption(vapi: Api) -> None:
    t = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "enc"}}))[
        "volume_type"]
    e = f"{V3}/types/{t['id']}/encryption"
    assert await vapi.ok("GET", e) == {}
    spec = {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
            "control_location": "front-end"}
    made = (await vapi.ok("POST", e, json={"encryption": spec}))["encryption"]
    assert made["volume_type_id"] == t["id"] and made["key_size"] == 256
    await fault(vapi, "POST", e, 400, "badRequest", json={"encryption": spec})
    await vapi.ok("PUT", f"{e}/{made['encryption_id']}", json={"encryption": {
        "key_size": 128}})
    assert (await vapi.ok("GET", e))["key_size"] == 128
    assert await vapi.ok("GET", f"{e}/cipher") == {"cipher": "aes-xts-plain64"}
    # no key manager: a volume of an encrypted type is refused, never made in the clear
    await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest",
                json={"volume": {"size": 1, "volume_type": t["id"]}})
    await vapi.ok("DELETE", f"{e}/{made['encryption_id']}", 202)
    assert await vapi.ok("GET", e) == {}
    await fault(vapi, "DELETE", f"{e}/{made['encryption_id']}", 404, "itemNotFound")


async def test_volume_summary(vapi: Api) -> None:
    await make_volume(vapi, size=2, metadata={"k": "a"})
    await make_volume(vapi, size=3, metadata={"k": "b"})
    out = (await vapi.ok("GET", f"{V3}/volumes/summary", headers=mv()))["volume-summary"]
    assert out["total_count"] == 2 and out["total_size"] == 5
    assert sorted(out["metadata"]["k"]) == ["a", "b"]
    await fault(vapi, "GET", f"{V3}/volumes/summary", 404, "itemNotFound",
                headers=mv("3.11"))
    # an empty id is not the list (Cinder's strict router)
    await fault(vapi, "GET", f"{V3}/volumes/", 404, "itemNotFound")


async def test_retype_and_force_detach(vapi: Api) -> None:
    t = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "silver"}}))[
        "volume_type"]
    vol = await make_volume(vapi)
    act = f"{V3}/volumes/{vol['id']}/action"
    await vapi.ok("POST", act, 202, json={"os-retype": {"new_type": "silver",
                                                         "migration_policy": "never"}})
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["volume_type"] == "silver" and shown["volume_type_id"] == t["id"]
    await fault(vapi, "POST", act, 400, "badRequest",
                json={"os-retype": {"new_type": "silver"}})          # the same type
    await fault(vapi, "POST", act, 404, "itemNotFound",
                json={"os-retype": {"new_type": "nosuch"}})
    server = str(uuid.uuid4())
    await vapi.ok("POST", act, 202, json={"os-attach": {
        "instance_uuid": server, "mountpoint": "/dev/vdb"}})
    att = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]["attachments"][0]
    await vapi.ok("POST", act, 202, json={"os-reset_status": {"status": "error"}})
    await vapi.ok("POST", act, 202, json={"os-force_detach": {
        "attachment_id": att["attachment_id"], "connector": None}})
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]
    assert shown["status"] == "available" and shown["attachments"] == []
    await fault(vapi, "POST", act, 404, "itemNotFound", json={"os-force_detach": {
        "attachment_id": att["attachment_id"]}})


async def test_update_snapshot_status(vapi: Api) -> None:
    vol = await make_volume(vapi)
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202, json={"snapshot": {
        "volume_id": vol["id"]}}))["snapshot"]
    await settle(vapi)
    act = f"{V3}/snapshots/{snap['id']}/action"
    body = {"os-update_snapshot_status": {"status": "error", "progress": "80%"}}
    await fault(vapi, "POST", act, 400, "badRequest", json=body)     # it is available
    await vapi.ok("POST", act, 202, json={"os-reset_status": {"status": "creating"}})
    await vapi.ok("POST", act, 202, json=body)
    shown = (await vapi.ok("GET", f"{V3}/snapshots/{snap['id']}"))["snapshot"]
    assert shown["status"] == "error"
    assert shown["os-extended-snapshot-attributes:progress"] == "80%"
    assert await status_of(vapi, f"{V3}/snapshots/{snap['id']}", "snapshot") == "error"
    # a snapshot of no volume is a 404, as Cinder looking the volume up
    await fault(vapi, "POST", f"{V3}/snapshots", 404, "itemNotFound",
                json={"snapshot": {"volume_id": None}})
