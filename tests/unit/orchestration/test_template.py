"""The HOT template engine as data: versions, sections, parameters, conditions, the
dependency graph, and Heat's 400s with the path to the bad part."""

from __future__ import annotations

from typing import Any

import pytest

from nubo.core.errors import NuboError
from nubo.orchestration.engine.stack import load
from nubo.orchestration.template import environment, parse, versions
from nubo.orchestration.template.deps import Graph
from nubo.orchestration.template.template import ParamsOnly, Template


def tpl(version: str = "2021-04-16", **sections: Any) -> dict[str, Any]:
    return {"heat_template_version": version, **sections}


def err(fn: Any, *a: Any, **kw: Any) -> NuboError:
    with pytest.raises(NuboError) as exc:
        fn(*a, **kw)
    assert exc.value.status == 400, exc.value.message
    return exc.value


@pytest.mark.parametrize("raw,want", [("2013-05-23", "2013-05-23"), ("newton", "2016-10-14"),
                                      ("ocata", "2017-02-24"), ("pike", "2017-09-01"),
                                      ("queens", "2018-03-02"), ("rocky", "2018-08-31"),
                                      ("wallaby", "2021-04-16")])
def test_versions_and_aliases(raw: str, want: str) -> None:
    assert versions.canonical(raw) == want
    assert Template(tpl(raw)).version == want


def test_bad_version_names_the_valid_ones() -> None:
    e = err(Template, tpl("2012-01-01"))
    assert e.code == "InvalidTemplateVersion" and "2021-04-16" in e.message


def test_yaml_keeps_dates_as_text_and_errors_name_the_line() -> None:
    doc = parse.load("heat_template_version: 2018-08-31\nresources: {}\n")
    assert doc["heat_template_version"] == "2018-08-31"
    e = err(parse.load, "heat_template_version: 2018-08-31\nresources:\n  a: [1,\n")
    assert "line" in e.message and "Error parsing template" in e.message
    e = err(parse.load, "- a list\n")
    assert "mapping" in e.message


def test_template_size_limit() -> None:
    e = err(parse.load, "x: " + "a" * (parse.MAX_TEMPLATE_BYTES + 1))
    assert "exceeds maximum allowed size" in e.message


def test_unknown_section_and_resource_keyword() -> None:
    assert "foo" in err(Template, tpl(foo=1)).message
    e = err(Template, tpl(resources={"r": {"type": "OS::Heat::None", "bogus": 1}}))
    assert "resources.r" in e.message and "bogus" in e.message
    # conditions only from 2016-10-14
    assert "conditions" in err(Template, tpl("2015-10-15", conditions={})).message


@pytest.mark.parametrize("fn,first", [
    ("str_split", "2015-10-15"), ("map_merge", "2016-04-08"), ("repeat", "2015-04-30"),
    ("digest", "2015-04-30"), ("map_replace", "2016-10-14"), ("filter", "2017-02-24"),
    ("str_replace_strict", "2017-02-24"), ("make_url", "2017-09-01"),
    ("list_concat", "2017-09-01"), ("list_concat_unique", "2017-09-01"),
    ("contains", "2017-09-01"), ("str_replace_vstrict", "2017-09-01"), ("if", "2016-10-14")])
def test_function_only_in_its_versions(fn: str, first: str) -> None:
    before = versions.VERSIONS[versions.VERSIONS.index(first) - 1]
    assert fn in versions.functions(first) and fn not in versions.functions(before)
    doc = tpl(before, resources={"r": {"type": "OS::Heat::Value",
                                       "properties": {"value": {fn: [1, 2]}}}})
    e = err(load, doc, None, None)
    assert e.code == "InvalidTemplateVersion"
    assert f'"{fn}"' in e.message and "resources.r.properties.value" in e.message


def resolve(value: Any, version: str = "2021-04-16", params: dict[str, Any] | None = None,
            files: dict[str, str] | None = None, conditions: dict[str, Any] | None = None
            ) -> Any:
    ps = {k: {"type": "json" if isinstance(v, (dict, list)) else "string"}
          for k, v in (params or {}).items()}
    t = Template(tpl(version, parameters=ps, conditions=conditions or {},
                     resources={"r": {"type": "OS::Heat::Value", "properties": {
                         "value": value}}}), files=files)
    r = ParamsOnly(t, params or {}, {"OS::stack_name": "st"})
    return t.evaluator(r).resolve(value, "v")


def test_functions_evaluate() -> None:
    assert resolve({"get_param": "OS::stack_name"}) == "st"
    assert resolve({"get_param": ["m", "a", 1]}, params={"m": {"a": [5, 6]}}) == 6
    assert resolve({"list_join": [",", ["a", "b"], ["c"]]}) == "a,b,c"
    assert resolve({"str_replace": {"template": "$a-$ab", "params": {
        "$a": "1", "$ab": "2"}}}) == "1-2"
    assert resolve({"digest": ["sha256", "x"]}) == \
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert resolve({"str_split": [",", "a,b,c", 1]}) == "b"
    assert resolve({"repeat": {"for_each": {"%p%": [80, 443]},
                               "template": {"port": "%p%"}}}) == [{"port": 80}, {"port": 443}]
    assert resolve({"map_merge": [{"a": 1}, {"b": 2}, {"a": 3}]}) == {"a": 3, "b": 2}
    assert resolve({"map_replace": [{"k": "v"}, {"keys": {"k": "K"},
                                                 "values": {"v": "V"}}]}) == {"K": "V"}
    assert resolve({"filter": [[None, ""], ["a", None, "", "b"]]}) == ["a", "b"]
    assert resolve({"make_url": {"scheme": "http", "host": "h", "port": 8080,
                                 "path": "/p", "query": {"q": "1"}}}) == "http://h:8080/p?q=1"
    assert resolve({"list_concat": [[1], [2, 1]]}) == [1, 2, 1]
    assert resolve({"list_concat_unique": [[1], [2, 1]]}) == [1, 2]
    assert resolve({"get_file": "a.txt"}, files={"a.txt": "hello"}) == "hello"
    assert resolve({"if": ["yes", "a", "b"]}, conditions={"yes": {"equals": [1, 1]}}) == "a"
    assert resolve({"if": [{"not": "yes"}, "a", "b"]}, conditions={"yes": True}) == "b"
    assert resolve({"if": [{"and": [True, {"contains": ["x", ["x"]]}]}, 1, 2]}) == 1


def test_strict_replace_errors() -> None:
    e = err(resolve, {"str_replace_strict": {"template": "a", "params": {"$x": "1"}}})
    assert "$x" in e.message
    e = err(resolve, {"str_replace_vstrict": {"template": "a$x", "params": {"$x": ""}}})
    assert "empty" in e.message


def test_get_file_missing_and_yaql_refused() -> None:
    assert "get_file" in err(resolve, {"get_file": "nope"}).message
    assert "yaql" in err(load, tpl(resources={"r": {"type": "OS::Heat::Value", "properties": {
        "value": {"yaql": {"expression": "1"}}}}}), None, None).message


def test_references_are_checked() -> None:
    doc = tpl(resources={"a": {"type": "OS::Heat::Value",
                               "properties": {"value": {"get_resource": "nope"}}}})
    e = err(load, doc, None, None)
    assert e.code == "InvalidTemplateReference" and "nope" in e.message
    doc = tpl(resources={"a": {"type": "OS::Heat::Value",
                               "properties": {"value": {"get_param": "nope"}}}})
    assert "nope" in err(load, doc, None, None).message


def test_circular_dependency() -> None:
    doc = tpl(resources={
        "a": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["b", "value"]}}},
        "b": {"type": "OS::Heat::Value", "properties": {"value": {"get_resource": "c"}}},
        "c": {"type": "OS::Heat::None", "depends_on": ["a"]}})
    e = err(load, doc, None, None)
    assert e.code == "CircularDependencyException"
    assert "Circular Dependency Found" in e.message and '"a"' in e.message


def test_graph_orders_and_runs_in_parallel() -> None:
    g = Graph({"net": set(), "sub": {"net"}, "sg": set(), "port": {"sub", "sg"}})
    assert g.order.index("net") < g.order.index("sub") < g.order.index("port")
    assert set(g.ready(set(), set())) == {"net", "sg"}
    assert g.ready({"net", "sg"}, {"net", "sg"}) == ["sub"]
    assert g.ready_reverse(set(), set()) == ["port"]
    chain = Graph({f"r{i}": {f"r{i - 1}"} if i else set() for i in range(2000)})
    assert chain.order[0] == "r0" and chain.order[-1] == "r1999"


def test_unknown_and_later_resource_types() -> None:
    e = err(load, tpl(resources={"g": {"type": "OS::Heat::SoftwareDeployment"}}), None, None)
    assert "not supported by this cloud yet" in e.message and "resources.g" in e.message
    e = err(load, tpl(resources={"g": {"type": "My::Thing"}}), None, None)
    assert "could not be found" in e.message


def test_properties_checked_against_schema() -> None:
    e = err(load, tpl(resources={"n": {"type": "OS::Neutron::Net",
                                       "properties": {"nmae": "x"}}}), None, None)
    assert "resources.n.properties" in e.message and "nmae" in e.message
    e = err(load, tpl(resources={"s": {"type": "OS::Nova::Server",
                                       "properties": {"image": "i"}}}), None, None)
    assert "flavor" in e.message


def test_too_many_resources() -> None:
    doc = tpl(resources={f"r{i}": {"type": "OS::Heat::None"} for i in range(1001)})
    assert "maximum" in err(load, doc, None, None).message


def test_parameters() -> None:
    t = Template(tpl(parameters={
        "s": {"type": "string", "constraints": [{"length": {"min": 2, "max": 3}},
                                                {"allowed_pattern": "[a-z]+"}]},
        "n": {"type": "number", "default": 5, "constraints": [{"range": {"max": 10}}]},
        "l": {"type": "comma_delimited_list", "default": "a, b"},
        "b": {"type": "boolean", "default": "yes"},
        "j": {"type": "json", "default": '{"k": 1}'},
        "f": {"type": "string", "hidden": True, "default": "x",
              "constraints": [{"allowed_values": ["x", "y"],
                               "description": "x or y please"}]}}))
    v = t.parameter_values({"s": "ab"})
    assert v == {"s": "ab", "n": 5, "l": ["a", "b"], "b": True, "j": {"k": 1}, "f": "x"}
    assert "length" in err(t.parameter_values, {"s": "abcd"}).message
    assert "pattern" in err(t.parameter_values, {"s": "AB"}).message
    assert "range" in err(t.parameter_values, {"s": "ab", "n": 11}).message
    assert "not a number" in err(t.parameter_values, {"s": "ab", "n": "z"}).message
    assert "x or y please" in err(t.parameter_values, {"s": "ab", "f": "z"}).message
    e = err(t.parameter_values, {})
    assert e.code == "UserParameterMissing" and "(s)" in e.message
    assert "not defined" in err(t.parameter_values, {"s": "ab", "zz": 1}).message
    assert "range" in err(Template, tpl(parameters={"s": {
        "type": "string", "constraints": [{"range": {"min": 1}}]}})).message
    assert "Invalid type" in err(Template, tpl(parameters={"s": {"type": "str"}})).message


def test_environment_defaults_and_aliases() -> None:
    env = environment.parse("parameter_defaults: {s: ab}\nresource_registry:\n"
                            "  My::Value: OS::Heat::Value\n")
    t = load(tpl(parameters={"s": {"type": "string"}},
                 resources={"v": {"type": "My::Value", "properties": {"value": 1}}}),
             env, None)
    assert t.resources["v"].type == "OS::Heat::Value"
    assert t.parameter_values({}) == {"s": "ab"}
    assert environment.parse({"resource_registry": {"My::T": "nested.yaml"}}).registry == {
        "My::T": "nested.yaml"}
    assert "templates by URL" in err(environment.parse, {"resource_registry": {
        "My::T": "https://example.com/nested.yaml"}}).message
    assert "wrong section" in err(environment.parse, {"bogus": {}}).message


def test_conditions_choose_resources() -> None:
    t = Template(tpl(parameters={"env": {"type": "string", "default": "prod"}},
                     conditions={"is_prod": {"equals": [{"get_param": "env"}, "prod"]},
                                 "is_dev": {"not": "is_prod"}},
                     resources={"a": {"type": "OS::Heat::None", "condition": "is_prod"},
                                "b": {"type": "OS::Heat::None", "condition": "is_dev"}}))
    r = ParamsOnly(t, t.parameter_values({}), {})
    assert t.active(r) == {"a": True, "b": False}
    assert "Invalid condition" in err(Template, tpl(resources={"a": {
        "type": "OS::Heat::None", "condition": "nope"}})).message


def test_deep_nesting_is_a_400() -> None:
    value: Any = "x"
    for _ in range(150):
        value = {"list_join": [",", [value]]}
    e = err(load, tpl(resources={"r": {"type": "OS::Heat::Value",
                                       "properties": {"value": value}}}), None, None)
    assert "Nesting" in e.message
