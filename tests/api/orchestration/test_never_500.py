"""Every orchestration route with made-up ids and junk bodies: a 4xx (or a 2xx/3xx), never a
500, in Heat's fault format."""

from __future__ import annotations

import re

from nubo.orchestration.api.routes import ROUTES
from tests.api.orchestration.conftest import H, create_stack
from tests.conftest import Api

JUNK = [None, {}, [], "x", {"template": 5}, {"stack_name": 7, "template": {"a": 1}},
        {"stack_name": "s", "template": "heat_template_version: 2021-04-16",
         "environment_files": [{}], "tags": [1], "files": {"a": [1]}},
        {"template": {"heat_template_version": "2021-04-16"}, "clear_parameters": [[]],
         "parameters": {"x": {"y": 1}}}]


async def test_no_route_answers_500(oapi: Api) -> None:
    pid = await oapi.project_id("admin")
    sid = (await create_stack(oapi, "real", {"heat_template_version": "2021-04-16",
                                             "resources": {"v": {"type": "OS::Heat::None"}}}
                              ))["stack"]["id"]
    values = {"tenant_id": pid, "stack_name": "real", "stack_id": sid, "resource_name": "v",
              "event_id": "nope", "output_key": "nope", "type_name": "OS::Nope",
              "template_version": "nope", "rest": "v"}
    seen = 0
    for route in ROUTES:
        path = "/orchestration" + re.sub(r"\{(\w+)(:\w+)?\}",
                                         lambda m: values[m.group(1)], route.path)
        for variant in (path, path.replace(sid, "0" * 36).replace("/real/", "/nope/")):
            for body in JUNK if route.method in ("POST", "PUT", "PATCH") else [None]:
                r = await oapi.req(route.method, variant, json=body)
                seen += 1
                assert r.status_code < 500, (route.method, variant, body, r.text)
                if r.status_code >= 400:
                    assert set(r.json()) == {"code", "title", "explanation", "error"}
    assert seen > 100
    r = await oapi.req("GET", f"{H}/{pid}/stacks/real/{sid}")
    assert r.status_code == 200
