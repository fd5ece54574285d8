"""The Heat API in-process: faults, lookups (302), listing, events, outputs, preview,
validate, discovery, refusals; the engine's failures, rollback, Retain and timeouts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.orchestration.conftest import (
    H,
    base,
    create_stack,
    heat_fault,
    settle,
    show,
)
from tests.conftest import Api


def hot(resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"heat_template_version": "2021-04-16", "resources": resources, **extra}


VALUE = {"v": {"type": "OS::Heat::Value", "properties": {"value": "hi"}}}


async def test_catalog_lists_orchestration_with_the_project(oapi: Api) -> None:
    r = await oapi.client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    cat = r.json()["token"]["catalog"]
    heat = next(s for s in cat if s["type"] == "orchestration")
    pid = await oapi.project_id("admin")
    assert {e["url"] for e in heat["endpoints"]} == {
        f"http://127.0.0.1:8880/orchestration/v1/{pid}"}
    versions = await oapi.req("GET", "/orchestration/")
    assert versions.status_code == 300 and versions.json()["versions"][0]["id"] == "v1.0"


async def test_bad_templates_are_heat_400s_before_anything_exists(oapi: Api) -> None:
    b = await base(oapi)
    cases = [
        ("heat_template_version: 2018-08-31\nresources: [", "line"),
        (hot({"a": {"type": "OS::Heat::Value", "properties": {"value": {
            "get_resource": "b"}}}, "b": {"type": "OS::Heat::None", "depends_on": "a"}}),
         "Circular Dependency Found"),
        (hot({"g": {"type": "OS::Heat::AutoScalingGroup"}}), "not supported"),
        (hot({"g": {"type": "OS::Heat::Value", "properties": {
            "value": {"str_split": [",", "a"]}}}}, heat_template_version="2014-10-16"),
         "str_split"),
        (hot(VALUE, parameters={"p": {"type": "number", "constraints": [
            {"range": {"max": 3}}]}}), "Parameter 'p' is invalid"),
    ]
    for template, needle in cases:
        params = {"p": 7} if "parameters" in str(template) else {}
        msg = await heat_fault(oapi, "POST", f"{b}/stacks", 400, json={
            "stack_name": "bad", "template": template, "parameters": params})
        assert needle in msg, (needle, msg)
    assert (await oapi.ok("GET", f"{b}/stacks"))["stacks"] == []
    msg = await heat_fault(oapi, "POST", f"{b}/stacks", 400, json={
        "stack_name": "1bad", "template": hot(VALUE)})
    assert "Invalid stack name" in msg


async def test_lookup_list_show_and_children(oapi: Api) -> None:
    b = await base(oapi)
    created = await create_stack(oapi, "alpha", hot(VALUE, outputs={
        "o": {"value": {"get_attr": ["v", "value"]}, "description": "d"}}),
        tags="a,b", timeout_mins=5)
    sid = created["stack"]["id"]
    await create_stack(oapi, "beta", hot(VALUE))
    r = await oapi.req("GET", f"{b}/stacks/{sid}")
    assert r.status_code == 302 and r.headers["location"].endswith(f"/stacks/alpha/{sid}")
    for tail in ("resources", "events", "template", "outputs/o"):
        r = await oapi.req("GET", f"{b}/stacks/alpha/{tail}?x=1")
        assert r.status_code == 302
        assert r.headers["location"].endswith(f"/stacks/alpha/{sid}/{tail}?x=1")
    await heat_fault(oapi, "GET", f"{b}/stacks/nope", 404)
    s = await show(oapi, "alpha")
    assert s["stack_status"] == "CREATE_COMPLETE" and s["tags"] == ["a", "b"]
    assert s["outputs"] == [{"output_key": "o", "output_value": "hi", "description": "d"}]
    assert s["parameters"]["OS::stack_name"] == "alpha" and s["timeout_mins"] == 5
    names = [x["stack_name"] for x in (await oapi.ok("GET", f"{b}/stacks"))["stacks"]]
    assert names == ["beta", "alpha"]
    asc = await oapi.ok("GET", f"{b}/stacks?sort_keys=stack_name&sort_dir=asc&limit=1")
    assert [x["stack_name"] for x in asc["stacks"]] == ["alpha"]
    after = await oapi.ok("GET", f"{b}/stacks?sort_keys=stack_name&sort_dir=asc&marker={sid}")
    assert [x["stack_name"] for x in after["stacks"]] == ["beta"]
    tagged = await oapi.ok("GET", f"{b}/stacks?tags=a")
    assert [x["stack_name"] for x in tagged["stacks"]] == ["alpha"]
    p = f"{b}/stacks/alpha/{sid}"
    assert (await oapi.ok("GET", f"{p}/template"))["resources"] == VALUE
    assert "parameters" in await oapi.ok("GET", f"{p}/environment")
    assert await oapi.ok("GET", f"{p}/files") == {}
    outs = await oapi.ok("GET", f"{p}/outputs")
    assert outs == {"outputs": [{"output_key": "o", "description": "d"}]}
    await heat_fault(oapi, "GET", f"{p}/outputs/zz", 404)
    res = (await oapi.ok("GET", f"{p}/resources/v"))["resource"]
    assert res["resource_status"] == "CREATE_COMPLETE" and res["attributes"]["value"] == "hi"
    assert (await oapi.ok("GET", f"{p}/resources/v/metadata")) == {"metadata": {}}
    await heat_fault(oapi, "GET", f"{b}/stacks/alpha/{sid[:-1]}x", 404)
    await heat_fault(oapi, "POST", f"{b}/stacks", 409, json={
        "stack_name": "alpha", "template": hot(VALUE)})


async def test_events_for_the_cli_wait(oapi: Api) -> None:
    b = await base(oapi)
    sid = (await create_stack(oapi, "ev", hot(VALUE)))["stack"]["id"]
    p = f"{b}/stacks/ev/{sid}"
    events = (await oapi.ok("GET", f"{p}/events?sort_dir=asc"))["events"]
    assert [(e["resource_name"], e["resource_status"]) for e in events] == [
        ("ev", "CREATE_IN_PROGRESS"), ("v", "CREATE_IN_PROGRESS"), ("v", "CREATE_COMPLETE"),
        ("ev", "CREATE_COMPLETE")]
    stack_event = events[-1]
    assert stack_event["physical_resource_id"] == sid
    assert {link["rel"]: link["href"] for link in stack_event["links"]}["stack"].endswith(sid)
    after = (await oapi.ok("GET", f"{p}/events?sort_dir=asc&marker={events[1]['id']}"))
    assert [e["id"] for e in after["events"]] == [e["id"] for e in events[2:]]
    last = (await oapi.ok("GET", f"{p}/events?sort_dir=desc&limit=1"))["events"]
    assert last[0]["id"] == events[-1]["id"]
    mine = (await oapi.ok("GET", f"{p}/resources/v/events"))["events"]
    assert len(mine) == 2
    one = (await oapi.ok("GET", f"{p}/resources/v/events/{mine[0]['id']}"))["event"]
    assert one["resource_type"] == "OS::Heat::Value"


async def test_failure_rolls_back_when_asked(oapi: Api) -> None:
    failing = hot({"ok": {"type": "OS::Heat::TestResource"},
                   "bad": {"type": "OS::Heat::TestResource", "depends_on": "ok",
                           "properties": {"fail": True}}})
    await create_stack(oapi, "kept", failing)
    s = await show(oapi, "kept")
    assert s["stack_status"] == "CREATE_FAILED"
    assert "resources.bad" in s["stack_status_reason"]
    await create_stack(oapi, "rolled", failing, disable_rollback=False)
    s = await show(oapi, "rolled")
    assert s["stack_status"] == "ROLLBACK_COMPLETE", s["stack_status_reason"]
    b = await base(oapi)
    res = (await oapi.ok("GET", f"{b}/stacks/rolled/{s['id']}/resources"))["resources"]
    assert {r["resource_status"] for r in res} == {"DELETE_COMPLETE"}
    # the failed stack is retried with what it keeps (PATCH, as --existing), fixed
    await oapi.ok("PATCH", f"{b}/stacks/kept/{(await show(oapi, 'kept'))['id']}", 202,
                  json={"template": hot({"ok": {"type": "OS::Heat::TestResource"},
                                         "bad": {"type": "OS::Heat::TestResource",
                                                 "depends_on": "ok"}})})
    await settle(oapi)
    assert (await show(oapi, "kept"))["stack_status"] == "UPDATE_COMPLETE"


async def test_retain_keeps_the_resource(oapi: Api) -> None:
    b = await base(oapi)
    sid = (await create_stack(oapi, "ret", hot({"net": {
        "type": "OS::Neutron::Net", "deletion_policy": "Retain",
        "properties": {"name": "kept-net"}}})))["stack"]["id"]
    await oapi.ok("DELETE", f"{b}/stacks/ret/{sid}", 204)
    await settle(oapi)
    nets = (await oapi.ok("GET", "/networking/v2.0/networks?name=kept-net"))["networks"]
    assert len(nets) == 1


async def test_timeout_fails_the_stack(oapi: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = oapi.node.controller.orchestration.engine
    # the deadline of a stack with timeout_mins (minutes) made short
    monkeypatch.setattr(engine, "_deadline", lambda stack: 0.3 if stack.timeout_mins else None)
    await create_stack(oapi, "slow", hot({"t": {"type": "OS::Heat::TestResource",
                                                "properties": {"wait_secs": 600}}}),
                       timeout_mins=1)
    s = await show(oapi, "slow")
    assert s["stack_status"] == "CREATE_FAILED"
    assert "timed out" in s["stack_status_reason"]
    b = await base(oapi)
    res = (await oapi.ok("GET", f"{b}/stacks/slow/{s['id']}/resources"))["resources"]
    assert res[0]["resource_status"] == "CREATE_FAILED"


async def test_update_replaces_or_updates_in_place(oapi: Api) -> None:
    b = await base(oapi)
    t1 = hot({"a": {"type": "OS::Heat::TestResource", "properties": {"value": "1"}},
              "r": {"type": "OS::Heat::RandomString", "properties": {"length": 8}},
              "gone": {"type": "OS::Heat::None"}})
    sid = (await create_stack(oapi, "up", t1))["stack"]["id"]
    p = f"{b}/stacks/up/{sid}"
    before = {r["resource_name"]: r["physical_resource_id"]
              for r in (await oapi.ok("GET", f"{p}/resources"))["resources"]}
    t2 = hot({"a": {"type": "OS::Heat::TestResource", "properties": {"value": "2"}},
              "r": {"type": "OS::Heat::RandomString", "properties": {"length": 9}},
              "new": {"type": "OS::Heat::None"}})
    plan = (await oapi.ok("PUT", f"{p}/preview", json={"template": t2}))["resource_changes"]
    assert [x["resource_name"] for x in plan["updated"]] == ["a"]
    assert [x["resource_name"] for x in plan["replaced"]] == ["r"]
    assert [x["resource_name"] for x in plan["added"]] == ["new"]
    assert [x["resource_name"] for x in plan["deleted"]] == ["gone"]
    await oapi.ok("PUT", p, 202, json={"template": t2})
    await settle(oapi)
    s = await show(oapi, "up")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    after = {r["resource_name"]: r["physical_resource_id"]
             for r in (await oapi.ok("GET", f"{p}/resources"))["resources"]}
    assert set(after) == {"a", "r", "new"}
    assert after["a"] == before["a"] and len(after["r"]) == 9


async def test_preview_validate_and_discovery(oapi: Api) -> None:
    b = await base(oapi)
    pre = (await oapi.ok("POST", f"{b}/stacks/preview", json={
        "stack_name": "pv", "template": hot(VALUE)}))["stack"]
    assert [r["resource_name"] for r in pre["resources"]] == ["v"]
    assert (await oapi.ok("GET", f"{b}/stacks"))["stacks"] == []
    val = await oapi.ok("POST", f"{b}/validate", json={"template": hot(VALUE, parameters={
        "p": {"type": "string", "default": "x", "description": "pp"}})})
    assert val["Parameters"]["p"]["Default"] == "x"
    types = (await oapi.ok("GET", f"{b}/resource_types"))["resource_types"]
    assert "OS::Nova::Server" in types and "OS::Neutron::FloatingIP" in types
    server = await oapi.ok("GET", f"{b}/resource_types/OS::Nova::Server")
    assert server["properties"]["flavor"]["update_allowed"] is True
    vs = (await oapi.ok("GET", f"{b}/template_versions"))["template_versions"]
    assert "heat_template_version.2021-04-16" in [v["version"] for v in vs]
    fns = (await oapi.ok("GET", f"{b}/template_versions/heat_template_version.2014-10-16/"
                                "functions"))["template_functions"]
    assert "str_split" not in [f["functions"] for f in fns]
    assert (await oapi.ok("GET", f"{b}/build_info"))["engine"]
    sid = (await create_stack(oapi, "act", hot(VALUE)))["stack"]["id"]
    msg = await heat_fault(oapi, "POST", f"{b}/stacks/act/{sid}/actions", 400,
                           json={"suspend": None})
    assert "not supported" in msg


async def test_other_projects_cannot_see_a_stack(oapi: Api) -> None:
    await create_stack(oapi, "mine", hot(VALUE))
    await oapi.make_project("other")
    await oapi.make_user("olga", "pw", "other", "member")
    tok = await oapi.token("olga", "pw", "other")
    other = await oapi.project_id("other")
    r = await oapi.req("GET", f"{H}/{other}/stacks/mine", tok)
    assert r.status_code == 404
    admin_pid = await oapi.project_id("admin")
    r = await oapi.req("GET", f"{H}/{admin_pid}/stacks", tok)
    assert r.status_code in (403, 404)
    assert (await oapi.ok("GET", f"{H}/{other}/stacks", token=tok))["stacks"] == []


async def test_failed_update_rolls_back_when_asked(oapi: Api) -> None:
    b = await base(oapi)
    t1 = hot({"a": {"type": "OS::Heat::TestResource", "properties": {"value": "one"}}},
             outputs={"o": {"value": {"get_attr": ["a", "output"]}}})
    sid = (await create_stack(oapi, "rb", t1))["stack"]["id"]
    p = f"{b}/stacks/rb/{sid}"
    t2 = hot({"a": {"type": "OS::Heat::TestResource",
                    "properties": {"value": "two", "fail": True}}},
             outputs={"o": {"value": {"get_attr": ["a", "output"]}}})
    await oapi.ok("PUT", p, 202, json={"template": t2, "disable_rollback": False})
    await settle(oapi)
    s = await show(oapi, "rb")
    assert s["stack_status"] == "ROLLBACK_COMPLETE", s["stack_status_reason"]
    assert s["outputs"][0]["output_value"] == "one"
    assert (await oapi.ok("GET", f"{p}/template"))["resources"]["a"]["properties"] == {
        "value": "one"}
    events = (await oapi.ok("GET", f"{p}/events"))["events"]
    assert [e["resource_status"] for e in events if e["resource_name"] == "rb"][-4:] == [
        "UPDATE_IN_PROGRESS", "UPDATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    # without rollback the failed update stays as it failed
    await oapi.ok("PUT", p, 202, json={"template": t2, "disable_rollback": True})
    await settle(oapi)
    assert (await show(oapi, "rb"))["stack_status"] == "UPDATE_FAILED"


async def test_a_blocked_delete_names_the_resource_and_can_be_retried(oapi: Api) -> None:
    b = await base(oapi)
    sid = (await create_stack(oapi, "blk", hot({"net": {"type": "OS::Neutron::Net"}})))[
        "stack"]["id"]
    p = f"{b}/stacks/blk/{sid}"
    net = (await oapi.ok("GET", f"{p}/resources/net"))["resource"]["physical_resource_id"]
    port = (await oapi.ok("POST", "/networking/v2.0/ports", 201,
                          json={"port": {"network_id": net, "device_owner": "compute:x",
                                         "device_id": "outside"}}))["port"]["id"]
    await oapi.ok("DELETE", p, 204)
    await settle(oapi)
    s = await show(oapi, "blk")
    assert s["stack_status"] == "DELETE_FAILED"
    assert "resources.net" in s["stack_status_reason"]
    assert "in use" in s["stack_status_reason"].lower() or "port" in s["stack_status_reason"]
    await oapi.ok("DELETE", f"/networking/v2.0/ports/{port}", 204)
    await oapi.ok("DELETE", p, 204)
    await settle(oapi)
    assert (await oapi.req("GET", f"{b}/stacks/blk")).status_code == 404
    assert (await oapi.req("GET", f"/networking/v2.0/networks/{net}")).status_code == 404
