"""OS::Heat::ResourceGroup and OS::Heat::Stack: child stacks made by the engine, their
attributes through get_attr, a count change in place, a member's failure named."""

from __future__ import annotations

import json
from typing import Any

from tests.api.orchestration.conftest import base, create_stack, settle, show
from tests.conftest import Api


def outputs(s: dict[str, Any]) -> dict[str, Any]:
    return {o["output_key"]: o["output_value"] for o in s["outputs"]}


def group_template(count: int, removal: list[str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "count": count,
        "resource_def": {"type": "OS::Heat::TestResource",
                         "properties": {"value": "member-%index%"}}}
    if removal is not None:
        props["removal_policies"] = [{"resource_list": removal}]
    return {"heat_template_version": "2021-04-16",
            "resources": {"grp": {"type": "OS::Heat::ResourceGroup", "properties": props}},
            "outputs": {
                "refs": {"value": {"get_attr": ["grp", "refs"]}},
                "values": {"value": {"get_attr": ["grp", "output"]}},
                "one": {"value": {"get_attr": ["grp", "resource.1", "output"]}},
                "one_dotted": {"value": {"get_attr": ["grp", "resource.1.output"]}},
                "one_ref": {"value": {"get_attr": ["grp", "resource.1"]}},
                "by_name": {"value": {"get_attr": ["grp", "attributes", "output"]}}}}


async def _resources(api: Api, s: dict[str, Any]) -> dict[str, dict[str, Any]]:
    b = await base(api)
    rs = await api.ok("GET", f"{b}/stacks/{s['stack_name']}/{s['id']}/resources")
    return {r["resource_name"]: r for r in rs["resources"]}


async def test_group_attributes_and_scaling(oapi: Api) -> None:
    await create_stack(oapi, "grp", group_template(3))
    s = await show(oapi, "grp")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    o = outputs(s)
    assert o["values"] == ["member-0", "member-1", "member-2"]
    assert o["one"] == o["one_dotted"] == "member-1"
    assert len(o["refs"]) == 3 and o["one_ref"] == o["refs"][1]
    assert o["by_name"] == {"0": "member-0", "1": "member-1", "2": "member-2"}
    child_id = (await _resources(oapi, s))["grp"]["physical_resource_id"]
    b = await base(oapi)
    # scale down removing member 0, then up: the index taken out is never reused
    r = await oapi.req("PUT", f"{b}/stacks/grp/{s['id']}",
                       json={"template": group_template(2, ["0"])})
    assert r.status_code == 202, r.text
    await settle(oapi)
    s = await show(oapi, "grp")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    o = outputs(s)
    assert o["values"] == ["member-1", "member-2"]
    assert (await _resources(oapi, s))["grp"]["physical_resource_id"] == child_id
    r = await oapi.req("PUT", f"{b}/stacks/grp/{s['id']}",
                       json={"template": group_template(4, ["0"])})
    assert r.status_code == 202, r.text
    await settle(oapi)
    s = await show(oapi, "grp")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["by_name"] == {"1": "member-1", "2": "member-2", "3": "member-3",
                                     "4": "member-4"}
    await oapi.ok("DELETE", f"{b}/stacks/grp/{s['id']}", 204)
    await settle(oapi)
    gone = await oapi.ok("GET", f"{b}/stacks?show_deleted=true")
    left = [x for x in gone["stacks"] if x["id"] == child_id]
    assert not left or left[0]["stack_status"] == "DELETE_COMPLETE"


async def test_group_member_failure_is_named(oapi: Api) -> None:
    t = {"heat_template_version": "2021-04-16",
         "resources": {"grp": {"type": "OS::Heat::ResourceGroup", "properties": {
             "count": 2, "resource_def": {"type": "OS::Heat::TestResource",
                                          "properties": {"fail": True}}}}}}
    await create_stack(oapi, "grpfail", t)
    s = await show(oapi, "grpfail")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] in (
        f"Resource CREATE failed: ResourceInError: resources.grp.resources.{i}: "
        f"Test Resource failed {i}" for i in (0, 1)), s["stack_status_reason"]


async def test_nested_stack_outputs(oapi: Api) -> None:
    inner = {"heat_template_version": "2021-04-16",
             "parameters": {"greeting": {"type": "string"}},
             "resources": {"v": {"type": "OS::Heat::Value",
                                 "properties": {"value": {"get_param": "greeting"}}}},
             "outputs": {"said": {"value": {"get_attr": ["v", "value"]}}}}
    t = {"heat_template_version": "2021-04-16",
         "resources": {"inner": {"type": "OS::Heat::Stack", "properties": {
             "template": {"get_file": "inner.yaml"}, "parameters": {"greeting": "hello"}}}},
         "outputs": {"all": {"value": {"get_attr": ["inner", "outputs"]}},
                     "said": {"value": {"get_attr": ["inner", "outputs", "said"]}}}}
    await create_stack(oapi, "outer", t, files={"inner.yaml": json.dumps(inner)})
    s = await show(oapi, "outer")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s) == {"all": {"said": "hello"}, "said": "hello"}


async def test_nested_hidden_and_listed_with_depth(oapi: Api) -> None:
    await create_stack(oapi, "deep", group_template(2))
    s = await show(oapi, "deep")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    b = await base(oapi)
    p = f"{b}/stacks/deep/{s['id']}"
    top = (await oapi.ok("GET", f"{p}/resources"))["resources"]
    assert [r["resource_name"] for r in top] == ["grp"]
    child_id = top[0]["physical_resource_id"]
    rs = (await oapi.ok("GET", f"{p}/resources?nested_depth=1"))["resources"]
    assert sorted(r["resource_name"] for r in rs) == ["0", "1", "grp"]
    members = [r for r in rs if r["resource_name"] != "grp"]
    assert all(r["parent_resource"] == "grp" for r in members)
    assert all(child_id in r["links"][1]["href"] for r in members)
    listed = [x["id"] for x in (await oapi.ok("GET", f"{b}/stacks"))["stacks"]]
    assert s["id"] in listed and child_id not in listed
    nested = (await oapi.ok("GET", f"{b}/stacks?show_nested=true"))["stacks"]
    child = [x for x in nested if x["id"] == child_id]
    assert child and child[0]["parent"] == s["id"]
