"""Keystone's unified limits: /v3/registered_limits, /v3/limits and /v3/limits/model
(keystone/api/registered_limits.py, limits.py, keystone/limit/core.py and backends/sql.py),
with the flat and strict_two_level enforcement models (keystone/limit/models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Api, api_on, make_settings

RL, LIM = "/v3/registered_limits", "/v3/limits"


async def _service(api: Api, type_: str = "compute") -> str:
    return str((await api.ok("GET", f"/v3/services?type={type_}"))["services"][0]["id"])


async def _register(api: Api, resource: str, default: int, status: int = 201,
                    **kw: Any) -> Any:
    sid = kw.pop("service_id", None) or await _service(api)
    return await api.ok("POST", RL, status, json={"registered_limits": [{
        "service_id": sid, "resource_name": resource, "default_limit": default, **kw}]})


async def test_registered_limits(api: Api) -> None:
    sid = await _service(api)
    made = (await _register(api, "servers", 5, region_id="RegionOne",
                            description="d"))["registered_limits"]
    [rl] = made
    assert (rl["service_id"], rl["region_id"], rl["resource_name"], rl["default_limit"],
            rl["description"]) == (sid, "RegionOne", "servers", 5, "d")
    assert rl["links"]["self"].endswith(f"{RL}/{rl['id']}")
    # Keystone: duplicate (service, region, resource) is a conflict; bad references a 400
    await _register(api, "servers", 6, 409, region_id="RegionOne")
    await _register(api, "servers", 6, 400, service_id="nope")
    await _register(api, "servers", 6, 400, region_id="nowhere")
    await _register(api, "servers", -2, 400)
    await _register(api, "servers", 2**31, 400)
    await api.ok("POST", RL, 400, json={"registered_limits": []})
    await api.ok("POST", RL, 400, json={"registered_limits": [{"service_id": sid}]})
    # the same resource without a region is another registered limit
    await _register(api, "servers", 7)
    listed = (await api.ok("GET", f"{RL}?region_id=RegionOne"))["registered_limits"]
    assert [x["id"] for x in listed] == [rl["id"]]
    assert len((await api.ok("GET", f"{RL}?resource_name=servers"))["registered_limits"]) == 2
    path = f"{RL}/{rl['id']}"
    got = (await api.ok("PATCH", path, json={"registered_limit": {"default_limit": 9}})
           )["registered_limit"]
    assert got["default_limit"] == 9
    assert (await api.ok("GET", path))["registered_limit"]["default_limit"] == 9
    await api.ok("PATCH", path, 409, json={"registered_limit": {"region_id": None}})
    # any authenticated user reads them; only an admin writes
    await api.make_user("rl-member", "pw", project="demo")
    tok = await api.token("rl-member", "pw", "demo")
    await api.ok("GET", path, token=tok)
    await api.ok("DELETE", path, 403, token=tok)
    await api.ok("DELETE", path, 204)
    await api.ok("GET", path, 404)


async def test_project_and_domain_limits(api: Api) -> None:
    sid = await _service(api)
    demo, admin = await api.project_id("demo"), await api.project_id("admin")
    # a limit needs its registered limit
    r = await api.req("POST", LIM, json={"limits": [{
        "service_id": sid, "project_id": demo, "resource_name": "servers",
        "resource_limit": 3}]})
    assert r.status_code == 403 and "no corresponding registered limit" in r.text
    rl = (await _register(api, "servers", 10))["registered_limits"][0]
    made = (await api.ok("POST", LIM, 201, json={"limits": [
        {"service_id": sid, "project_id": demo, "resource_name": "servers",
         "resource_limit": 3, "description": "demo"},
        {"service_id": sid, "project_id": admin, "resource_name": "servers",
         "resource_limit": 50},
        {"service_id": sid, "domain_id": "default", "resource_name": "servers",
         "resource_limit": 100}]}))["limits"]
    assert [(x["project_id"], x["domain_id"], x["resource_limit"]) for x in made] == [
        (demo, None, 3), (admin, None, 50), (None, "default", 100)]
    assert made[0]["region_id"] is None and made[0]["description"] == "demo"
    # duplicates, both or neither owner, unknown project
    body = {"service_id": sid, "project_id": demo, "resource_name": "servers",
            "resource_limit": 4}
    await api.ok("POST", LIM, 409, json={"limits": [body]})
    await api.ok("POST", LIM, 400, json={"limits": [{**body, "domain_id": "default"}]})
    await api.ok("POST", LIM, 400, json={"limits": [{
        k: v for k, v in body.items() if k != "project_id"}]})
    await api.ok("POST", LIM, 400, json={"limits": [{**body, "project_id": "nope"}]})
    # the registered limit cannot change or go while limits use it
    await api.ok("PATCH", f"{RL}/{rl['id']}", 403, json={"registered_limit": {
        "default_limit": 1}})
    await api.ok("DELETE", f"{RL}/{rl['id']}", 403)
    # who sees what: admin everything; a project member only their project's
    assert len((await api.ok("GET", LIM))["limits"]) == 3
    assert [x["project_id"] for x in (await api.ok(
        "GET", f"{LIM}?project_id={demo}"))["limits"]] == [demo]
    await api.make_user("lim-member", "pw", project="demo")
    tok = await api.token("lim-member", "pw", "demo")
    mine = (await api.ok("GET", LIM, token=tok))["limits"]
    assert [x["id"] for x in mine] == [made[0]["id"]]
    await api.ok("GET", f"{LIM}/{made[0]['id']}", token=tok)
    await api.ok("GET", f"{LIM}/{made[1]['id']}", 403, token=tok)
    await api.ok("GET", f"{LIM}/{made[2]['id']}", 403, token=tok)
    await api.ok("PATCH", f"{LIM}/{made[0]['id']}", 403, token=tok,
                 json={"limit": {"resource_limit": 99}})
    # update, model, delete
    got = (await api.ok("PATCH", f"{LIM}/{made[0]['id']}", json={"limit": {
        "resource_limit": 4}}))["limit"]
    assert got["resource_limit"] == 4
    await api.ok("PATCH", f"{LIM}/{made[0]['id']}", 400, json={"limit": {"project_id": admin}})
    model = (await api.ok("GET", f"{LIM}/model", token=tok))["model"]
    assert model["name"] == "flat" and model["description"]
    for x in made:
        await api.ok("DELETE", f"{LIM}/{x['id']}", 204)
    await api.ok("GET", f"{LIM}/{made[0]['id']}", 404)
    await api.ok("DELETE", f"{RL}/{rl['id']}", 204)


async def test_strict_two_level_model(tmp_path: Path) -> None:
    """A project's limit may not exceed its domain's (its own or the registered default); a
    domain's may not fall below a limit of its projects (StrictTwoLevelModel.check_limit)."""
    settings = make_settings(tmp_path / "data", limit_enforcement_model="strict_two_level")
    async with api_on(settings) as api:
        assert (await api.ok("GET", f"{LIM}/model"))["model"]["name"] == "strict_two_level"
        sid = await _service(api)
        demo = await api.project_id("demo")
        await _register(api, "cores", 10)

        def lim(owner: dict[str, str], value: int) -> dict[str, Any]:
            return {"limits": [{"service_id": sid, "resource_name": "cores",
                                "resource_limit": value, **owner}]}
        r = await api.req("POST", LIM, json=lim({"project_id": demo}, 11))
        assert r.status_code == 403 and "doesn't satisfy current hierarchy model" in r.text
        mine = (await api.ok("POST", LIM, 201, json=lim({"project_id": demo}, 8)))["limits"]
        await api.ok("POST", LIM, 403, json=lim({"domain_id": "default"}, 7))
        dom = (await api.ok("POST", LIM, 201, json=lim({"domain_id": "default"}, 20))
               )["limits"][0]
        await api.ok("PATCH", f"{LIM}/{mine[0]['id']}", json={"limit": {"resource_limit": 15}})
        await api.ok("PATCH", f"{LIM}/{mine[0]['id']}", 403, json={"limit": {
            "resource_limit": 21}})
        await api.ok("PATCH", f"{LIM}/{dom['id']}", 403, json={"limit": {"resource_limit": 14}})


async def test_flat_model_allows_any_values(api: Api) -> None:
    sid = await _service(api)
    demo = await api.project_id("demo")
    await _register(api, "cores", 10)
    await api.ok("POST", LIM, 201, json={"limits": [
        {"service_id": sid, "resource_name": "cores", "resource_limit": 11,
         "project_id": demo},
        {"service_id": sid, "resource_name": "cores", "resource_limit": 1,
         "domain_id": "default"}]})
