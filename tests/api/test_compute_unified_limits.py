"""Compute quotas from Keystone's unified limits (NUBO_QUOTA_DRIVER=unified_limits, Nova's
UnifiedLimitsDriver): limits of service `compute` under Nova's resource names (servers,
class:VCPU, class:MEMORY_MB, server_key_pairs, ...) are read from identity in-process; a
project limit overrides the registered default; `servers` without a registered limit is 0
(Nova's unified_limits_resource_strategy=require, resource list ['servers']); quota set
updates change nothing (Nova: "all info comes from keystone")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.test_compute_servers import create, flavor_id, image_id
from tests.conftest import Api, api_on, make_settings

C = "/compute/v2.1"


async def _register(api: Api, sid: str, **defaults: int) -> None:
    await api.ok("POST", "/v3/registered_limits", 201, json={"registered_limits": [
        {"service_id": sid, "resource_name": k.replace("__", ":"), "default_limit": v}
        for k, v in defaults.items()]})


async def _quota(api: Api, pid: str) -> dict[str, Any]:
    return (await api.ok("GET", f"{C}/os-quota-sets/{pid}"))["quota_set"]  # type: ignore


async def test_unified_limits_driver(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", quota_driver="unified_limits")
    async with api_on(settings) as api:
        img, flv = await image_id(api), await flavor_id(api)
        pid = await api.project_id("admin")
        sid = (await api.ok("GET", "/v3/services?type=compute"))["services"][0]["id"]
        # nothing registered: servers is required, so no server may be made; the rest is
        # unlimited
        q = await _quota(api, pid)
        assert (q["instances"], q["cores"], q["key_pairs"]) == (0, -1, -1)
        r = await create(api, img, flv, status=403)
        assert "Quota exceeded for instances" in r["forbidden"]["message"]
        await _register(api, sid, servers=1, class__VCPU=8, class__MEMORY_MB=4096,
                        server_key_pairs=1, server_metadata_items=1)
        q = await _quota(api, pid)
        assert (q["instances"], q["cores"], q["ram"], q["key_pairs"]) == (1, 8, 4096, 1)
        defaults = (await api.ok("GET", f"{C}/os-quota-sets/{pid}/defaults"))["quota_set"]
        assert defaults["instances"] == 1
        r = await create(api, img, flv, status=403, metadata={"a": "1", "b": "2"})
        assert "Quota exceeded for metadata_items" in r["forbidden"]["message"]
        one = (await create(api, img, flv, name="one", metadata={"a": "1"}))["server"]
        await api.ok("POST", f"{C}/servers/{one['id']}/metadata", 403,
                     json={"metadata": {"b": "2"}})
        r = await create(api, img, flv, status=403, name="two")
        assert "Quota exceeded for instances" in r["forbidden"]["message"]
        # the project's own limit overrides the registered default
        await api.ok("POST", "/v3/limits", 201, json={"limits": [{
            "service_id": sid, "project_id": pid, "resource_name": "servers",
            "resource_limit": 2}]})
        assert (await _quota(api, pid))["instances"] == 2
        await create(api, img, flv, name="two")
        used = (await api.ok("GET", f"{C}/limits"))["limits"]["absolute"]
        assert (used["maxTotalInstances"], used["totalInstancesUsed"]) == (2, 2)
        # key pairs: server_key_pairs
        await api.ok("POST", f"{C}/os-keypairs", 200, json={"keypair": {"name": "k1"}})
        r = await api.req("POST", f"{C}/os-keypairs", json={"keypair": {"name": "k2"}})
        assert r.status_code == 403, r.text
        # quota updates are not where these limits live
        await api.ok("PUT", f"{C}/os-quota-sets/{pid}", json={"quota_set": {"instances": 9}})
        assert (await _quota(api, pid))["instances"] == 2


async def test_ignore_strategy(tmp_path: Path) -> None:
    """strategy ignore: listed resources without a registered limit are unlimited, every
    other unregistered resource is 0."""
    settings = make_settings(tmp_path / "data", quota_driver="unified_limits",
                             quota_unified_limits_resource_strategy="ignore",
                             quota_unified_limits_resource_list=["servers"])
    async with api_on(settings) as api:
        q = await _quota(api, await api.project_id("admin"))
        assert (q["instances"], q["cores"], q["ram"], q["key_pairs"]) == (-1, 0, 0, 0)


async def test_db_driver_enforces_the_metadata_items_quota(api: Api) -> None:
    """Nova checks server metadata against the project's metadata_items quota (not a fixed
    128): create, rebuild and metadata updates."""
    img, flv = await image_id(api), await flavor_id(api)
    pid = await api.project_id("admin")
    await api.ok("PUT", f"{C}/os-quota-sets/{pid}", json={"quota_set": {"metadata_items": 1}})
    r = await create(api, img, flv, status=403, metadata={"a": "1", "b": "2"})
    assert r["forbidden"]["message"] == ("Quota exceeded for metadata_items: Requested 2, "
                                         "but already used 0 of 1 metadata_items")
    srv = (await create(api, img, flv, metadata={"a": "1"}))["server"]
    await api.ok("PUT", f"{C}/servers/{srv['id']}/metadata", 403,
                 json={"metadata": {"x": "1", "y": "2"}})
    await api.ok("PUT", f"{C}/os-quota-sets/{pid}", json={"quota_set": {"metadata_items": -1}})
    await api.ok("PUT", f"{C}/servers/{srv['id']}/metadata", 200,
                 json={"metadata": {str(i): "v" for i in range(200)}})
