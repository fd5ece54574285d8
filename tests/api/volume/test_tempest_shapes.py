"""Our block storage responses against Tempest's own volume response schemas (from the
clients venv): status codes and bodies, at the microversions Tempest has schemas for."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import jsonschema

import tests.api.compute_schemas  # noqa: F401 - puts the clients venv's Tempest on sys.path
from tests.api.volume.conftest import V3, mv, settle
from tests.conftest import Api
from tests.install import clients_venv, missing

PKG = "tempest.lib.api_schema.response.volume"


def check(module: str, name: str, r: httpx.Response) -> None:
    try:
        mod = importlib.import_module(f"{PKG}.{module}")
    except ImportError:
        missing("clients", f"tempest is not installed in {clients_venv()}")
    schema: dict[str, Any] = getattr(mod, name)
    assert r.status_code in schema["status_code"], (name, r.status_code, r.text)
    if "response_body" in schema:
        jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


async def test_volume_shapes(vapi: Api) -> None:
    check("versions", "list_versions", await vapi.client.get("/volume/"))
    check("versions", "volume_api_version_details", await vapi.client.get("/volume/v3/"))
    r = await vapi.req("POST", f"{V3}/volumes", json={"volume": {
        "size": 1, "name": "t", "metadata": {"a": "b"}}})
    check("volumes", "create_volume", r)
    vid = r.json()["volume"]["id"]
    await settle(vapi)
    vol = f"{V3}/volumes/{vid}"
    check("volumes", "show_volume", await vapi.req("GET", vol))
    for module in ("v3_63.volumes", "v3_64.volumes", "v3_65.volumes", "v3_69.volumes"):
        version = module.split(".")[0][1:].replace("_", ".")
        check(module, "show_volume", await vapi.req("GET", vol, headers=mv(version)))
        check(module, "list_volumes_with_detail",
              await vapi.req("GET", f"{V3}/volumes/detail", headers=mv(version)))
    check("volumes", "list_volumes_no_detail", await vapi.req("GET", f"{V3}/volumes"))
    check("volumes", "list_volumes_with_detail", await vapi.req("GET", f"{V3}/volumes/detail"))
    check("volumes", "update_volume",
          await vapi.req("PUT", vol, json={"volume": {"name": "u"}}))
    m = f"{vol}/metadata"
    check("volumes", "create_volume_metadata",
          await vapi.req("POST", m, json={"metadata": {"c": "d"}}))
    check("volumes", "show_volume_metadata", await vapi.req("GET", m))
    check("volumes", "update_volume_metadata",
          await vapi.req("PUT", m, json={"metadata": {"c": "e"}}))
    check("volumes", "show_volume_metadata_item", await vapi.req("GET", f"{m}/c"))
    check("volumes", "update_volume_metadata_item",
          await vapi.req("PUT", f"{m}/c", json={"meta": {"c": "f"}}))
    check("volumes", "delete_volume_metadata_item", await vapi.req("DELETE", f"{m}/c"))
    check("volumes", "extend_volume", await vapi.req(
        "POST", f"{vol}/action", json={"os-extend": {"new_size": 2}}))
    await settle(vapi)
    check("volumes", "reset_volume_status", await vapi.req(
        "POST", f"{vol}/action", json={"os-reset_status": {"status": "available"}}))

    r = await vapi.req("POST", f"{V3}/snapshots", json={"snapshot": {"volume_id": vid}})
    check("snapshots", "create_snapshot", r)
    sid = r.json()["snapshot"]["id"]
    await settle(vapi)
    snap = f"{V3}/snapshots/{sid}"
    check("snapshots", "show_snapshot", await vapi.req("GET", snap))
    check("snapshots", "list_snapshots_no_detail", await vapi.req("GET", f"{V3}/snapshots"))
    check("snapshots", "list_snapshots_with_detail",
          await vapi.req("GET", f"{V3}/snapshots/detail"))
    check("snapshots", "update_snapshot",
          await vapi.req("PUT", snap, json={"snapshot": {"name": "s"}}))
    sm = f"{snap}/metadata"
    check("snapshots", "create_snapshot_metadata",
          await vapi.req("POST", sm, json={"metadata": {"k": "v"}}))
    check("snapshots", "show_snapshot_metadata", await vapi.req("GET", sm))
    check("snapshots", "update_snapshot_metadata",
          await vapi.req("PUT", sm, json={"metadata": {"k": "w"}}))
    check("snapshots", "show_snapshot_metadata_item", await vapi.req("GET", f"{sm}/k"))
    check("snapshots", "update_snapshot_metadata_item",
          await vapi.req("PUT", f"{sm}/k", json={"meta": {"k": "x"}}))
    check("snapshots", "delete_snapshot_metadata_item", await vapi.req("DELETE", f"{sm}/k"))
    check("snapshots", "reset_snapshot_status", await vapi.req(
        "POST", f"{snap}/action", json={"os-reset_status": {"status": "available"}}))
    check("snapshots", "delete_snapshot", await vapi.req("DELETE", snap))
    await settle(vapi)
    check("volumes", "delete_volume", await vapi.req("DELETE", vol))
    await settle(vapi)


async def test_type_quota_limit_service_shapes(vapi: Api) -> None:
    r = await vapi.req("POST", f"{V3}/types", json={"volume_type": {
        "name": "t", "extra_specs": {"k": "v"}, "os-volume-type-access:is_public": False}})
    check("volume_types", "create_volume_type", r)
    t = f"{V3}/types/{r.json()['volume_type']['id']}"
    check("volume_types", "show_volume_type", await vapi.req("GET", t))
    check("volume_types", "list_volume_types", await vapi.req("GET", f"{V3}/types"))
    check("volume_types", "update_volume_types",
          await vapi.req("PUT", t, json={"volume_type": {"description": "d"}}))
    es = f"{t}/extra_specs"
    check("volume_types", "create_volume_types_extra_specs",
          await vapi.req("POST", es, json={"extra_specs": {"x": "y"}}))
    check("volume_types", "list_volume_types_extra_specs", await vapi.req("GET", es))
    check("volume_types", "show_volume_types_extra_specs", await vapi.req("GET", f"{es}/x"))
    check("volume_types", "update_volume_type_extra_specs",
          await vapi.req("PUT", f"{es}/x", json={"x": "z"}))
    check("volume_types", "delete_volume_types_extra_specs",
          await vapi.req("DELETE", f"{es}/x"))
    pid = await vapi.project_id("demo")
    check("volume_types", "add_type_access", await vapi.req(
        "POST", f"{t}/action", json={"addProjectAccess": {"project": pid}}))
    check("volume_types", "list_type_access",
          await vapi.req("GET", f"{t}/os-volume-type-access"))
    check("volume_types", "remove_type_access", await vapi.req(
        "POST", f"{t}/action", json={"removeProjectAccess": {"project": pid}}))
    check("volume_types", "delete_volume_type", await vapi.req("DELETE", t))

    q = f"{V3}/os-quota-sets/{pid}"
    check("quotas", "show_quota_set", await vapi.req("GET", q))
    check("quotas", "show_quota_set", await vapi.req("GET", f"{q}/defaults"))
    check("quotas", "show_quota_set_usage", await vapi.req("GET", f"{q}?usage=true"))
    check("quotas", "update_quota_set",
          await vapi.req("PUT", q, json={"quota_set": {"volumes": 5}}))
    check("quotas", "delete_quota_set", await vapi.req("DELETE", q))
    check("limits", "show_limits", await vapi.req("GET", f"{V3}/limits"))
    check("services", "list_services", await vapi.req("GET", f"{V3}/os-services"))
    check("extensions", "list_extensions", await vapi.req("GET", f"{V3}/extensions"))
    check("v3_7.services", "list_services",
          await vapi.req("GET", f"{V3}/os-services", headers=mv("3.7")))
