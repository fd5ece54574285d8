"""Bad request bodies and queries: Heat's 4xx in its fault format, never a 500."""

from __future__ import annotations

from typing import Any

from tests.api.orchestration.conftest import base, heat_fault
from tests.conftest import Api

OK = {"heat_template_version": "2021-04-16",
      "resources": {"v": {"type": "OS::Heat::None"}}}


async def test_bad_bodies_and_queries(oapi: Api) -> None:
    b = await base(oapi)
    bodies: list[Any] = [
        [], {"stack_name": "x"}, {"stack_name": "x", "template": []},
        {"stack_name": "x", "template": OK, "parameters": []},
        {"stack_name": "x", "template": OK, "files": "f"},
        {"stack_name": "x", "template": OK, "environment": [1]},
        {"stack_name": "x", "template": OK, "environment": "bogus: 1"},
        {"stack_name": "x", "template": OK, "timeout_mins": "abc"},
        {"stack_name": "x", "template": OK, "disable_rollback": "maybe"},
        {"stack_name": "x", "template": OK, "unknown_key": 1},
        {"stack_name": "x", "template_url": "http://example.com/t"},
        {"stack_name": "x", "template": {"heat_template_version": "2021-04-16",
                                         "resources": {"v": "not a map"}}},
        {"stack_name": "x", "template": {"heat_template_version": "2021-04-16",
                                         "resources": {"v": {"type": 5}}}},
        {"stack_name": "x", "template": {"heat_template_version": "2021-04-16",
                                         "parameters": {"p": {"type": "string",
                                                              "constraints": "no"}},
                                         "resources": {}}},
        {"stack_name": "x", "template": {"heat_template_version": "2021-04-16",
                                         "outputs": {"o": {"value": {"get_attr": []}}}}},
        {"stack_name": "x", "template": {"heat_template_version": "2021-04-16",
                                         "resources": {"v": {"type": "OS::Heat::Value",
                                                             "properties": {"value": {
                                                                 "list_join": 5}}}}}},
    ]
    for doc in bodies:
        r = await oapi.req("POST", f"{b}/stacks", json=doc)
        assert 400 <= r.status_code < 500, (str(doc)[-120:], r.status_code)
        assert set(r.json()) == {"code", "title", "explanation", "error"}, r.text
    for q in ("limit=x", "sort_dir=up", "with_count=maybe", "marker=nope"):
        r = await oapi.req("GET", f"{b}/stacks?{q}")
        assert 400 <= r.status_code < 500, (q, r.text)
    await heat_fault(oapi, "POST", f"{b}/validate", 400, json={"template": "a: [1"})
    await heat_fault(oapi, "GET", f"{b}/resource_types/OS::Nope", 404)
    await heat_fault(oapi, "GET", f"{b}/template_versions/zz/functions", 404)
