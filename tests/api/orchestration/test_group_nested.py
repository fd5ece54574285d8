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


PROVIDER = {"heat_template_version": "2021-04-16",
            "parameters": {"word": {"type": "string", "default": "plain"}},
            "resources": {"v": {"type": "OS::Heat::Value", "properties": {"value": {
                "list_join": ["-", [{"get_param": "word"},
                                    {"resource_facade": "deletion_policy"}]]}}},
                          "m": {"type": "OS::Heat::Value", "properties": {
                              "value": {"resource_facade": "metadata"}, "type": "json"}}},
            "outputs": {"said": {"value": {"get_attr": ["v", "value"]}},
                        "meta": {"value": {"get_attr": ["m", "value"]}}}}


async def test_provider_templates_by_file_and_registry(oapi: Api) -> None:
    t = {"heat_template_version": "2021-04-16",
         "resources": {
             "byfile": {"type": "word.yaml", "properties": {"word": "hi"},
                        "metadata": {"role": "file"}, "deletion_policy": "Retain"},
             "byname": {"type": "My::Word", "metadata": {"role": "alias"}},
             "grp": {"type": "OS::Heat::ResourceGroup", "properties": {
                 "count": 2, "resource_def": {"type": "My::Word",
                                              "properties": {"word": "w%index%"}}}}},
         "outputs": {"file": {"value": {"get_attr": ["byfile", "said"]}},
                     "file_meta": {"value": {"get_attr": ["byfile", "meta"]}},
                     "alias": {"value": {"get_attr": ["byname", "outputs", "said"]}},
                     "alias_meta": {"value": {"get_attr": ["byname", "meta"]}},
                     "grp": {"value": {"get_attr": ["grp", "said"]}}}}
    files = {"word.yaml": json.dumps(PROVIDER)}
    env = {"resource_registry": {"My::Word": "word.yaml"}}
    await create_stack(oapi, "prov", t, files=files, environment=env)
    s = await show(oapi, "prov")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s) == {"file": "hi-Retain", "file_meta": {"role": "file"},
                          "alias": "plain-Delete", "alias_meta": {"role": "alias"},
                          "grp": ["w0-Delete", "w1-Delete"]}
    b = await base(oapi)
    rs = (await oapi.ok("GET", f"{b}/stacks/prov/{s['id']}/resources?nested_depth=2"))
    names = sorted(r["resource_name"] for r in rs["resources"])
    # the group's members are provider stacks of their own: depth 2 reaches their values
    assert names.count("v") == 4 and names.count("m") == 4 and {"0", "1"} <= set(names)
    await oapi.ok("DELETE", f"{b}/stacks/prov/{s['id']}", 204)
    await settle(oapi)
    left = (await oapi.ok("GET", f"{b}/stacks?show_nested=true"))["stacks"]
    # the Retain one keeps its child stack (as Heat does); the others went with the parent
    kept = [x for x in left if x["stack_name"].startswith("prov")]
    assert [x["stack_name"].split("-")[1] for x in kept] == ["byfile"]
    await oapi.ok("DELETE", f"{b}/stacks/{kept[0]['stack_name']}/{kept[0]['id']}", 204)
    await settle(oapi)


async def test_provider_template_errors_are_400(oapi: Api) -> None:
    b = await base(oapi)
    t = {"heat_template_version": "2021-04-16",
         "resources": {"x": {"type": "missing.yaml"}}}
    r = await oapi.req("POST", f"{b}/stacks", json={"stack_name": "p1", "template": t})
    assert r.status_code == 400 and "missing.yaml" in r.text, r.text
    t = {"heat_template_version": "2021-04-16",
         "resources": {"x": {"type": "word.yaml", "properties": {"nope": 1}}}}
    r = await oapi.req("POST", f"{b}/stacks", json={
        "stack_name": "p2", "template": t, "files": {"word.yaml": json.dumps(PROVIDER)}})
    assert r.status_code == 400 and "nope" in r.text, r.text
    t = {"heat_template_version": "2021-04-16",
         "resources": {"v": {"type": "OS::Heat::Value",
                             "properties": {"value": {"resource_facade": "metadata"}}}}}
    r = await oapi.req("POST", f"{b}/stacks", json={"stack_name": "p3", "template": t})
    assert r.status_code == 400 and "nested stack" in r.text, r.text


async def test_new_types_listed_and_file_names_are_not_types(oapi: Api) -> None:
    b = await base(oapi)
    names = (await oapi.ok("GET", f"{b}/resource_types"))["resource_types"]
    for t in ("OS::Heat::ResourceGroup", "OS::Heat::Stack", "OS::Heat::WaitCondition",
              "OS::Heat::WaitConditionHandle", "OS::Heat::SoftwareConfig",
              "OS::Heat::CloudConfig", "OS::Heat::MultipartMime"):
        assert t in names
    schema = await oapi.ok("GET", f"{b}/resource_types/OS::Heat::ResourceGroup")
    assert schema["properties"]["count"]["update_allowed"] is True
    r = await oapi.req("GET", f"{b}/resource_types/word.yaml")
    assert r.status_code == 404, r.text


async def test_failed_group_rolls_back_its_child(oapi: Api) -> None:
    t = {"heat_template_version": "2021-04-16",
         "resources": {"grp": {"type": "OS::Heat::ResourceGroup", "properties": {
             "count": 2, "resource_def": {"type": "OS::Heat::TestResource",
                                          "properties": {"value": "m%index%"}}}},
             "bad": {"type": "OS::Heat::TestResource", "depends_on": "grp",
                     "properties": {"fail": True}}}}
    await create_stack(oapi, "grproll", t, disable_rollback=False)
    s = await show(oapi, "grproll")
    assert s["stack_status"] == "ROLLBACK_COMPLETE", s["stack_status_reason"]
    b = await base(oapi)
    nested = (await oapi.ok("GET", f"{b}/stacks?show_nested=true"))["stacks"]
    assert [x for x in nested if x["stack_name"].startswith("grproll-")] == []


async def test_empty_group(oapi: Api) -> None:
    await create_stack(oapi, "grp0", group_template(0))
    s = await show(oapi, "grp0")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["refs"] == [] and outputs(s)["values"] == []


async def test_index_var(oapi: Api) -> None:
    t = group_template(2)
    props = t["resources"]["grp"]["properties"]
    props["index_var"] = "__n__"
    props["resource_def"]["properties"]["value"] = "m-__n__-%index%"
    await create_stack(oapi, "grpvar", t)
    s = await show(oapi, "grpvar")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["values"] == ["m-0-%index%", "m-1-%index%"]
