"""OS::Heat::WaitConditionHandle + WaitCondition: the handle's endpoint signalled with its
own token (as its curl_cli does), the data recorded, a FAILURE or a timeout failing the
create with the reason."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.api.orchestration.conftest import base, settle, show
from tests.conftest import Api


def template(count: int = 2, timeout: int = 600) -> dict[str, Any]:
    return {"heat_template_version": "2021-04-16",
            "resources": {
                "h": {"type": "OS::Heat::WaitConditionHandle"},
                "w": {"type": "OS::Heat::WaitCondition", "properties": {
                    "handle": {"get_resource": "h"}, "count": count, "timeout": timeout}},
                "after": {"type": "OS::Heat::Value", "depends_on": "w",
                          "properties": {"value": {"get_attr": ["w", "data"]}}}},
            "outputs": {"curl": {"value": {"get_attr": ["h", "curl_cli"]}},
                        "endpoint": {"value": {"get_attr": ["h", "endpoint"]}},
                        "token": {"value": {"get_attr": ["h", "token"]}},
                        "data": {"value": {"get_attr": ["w", "data"]}}}}


async def _start(api: Api, name: str, t: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create the stack without waiting for it; the handle's attributes once it exists."""
    b = await base(api)
    out = await api.ok("POST", f"{b}/stacks", 201, json={"stack_name": name, "template": t})
    p = f"{b}/stacks/{name}/{out['stack']['id']}"
    for _ in range(500):
        r = await api.ok("GET", f"{p}/resources/h")
        if r["resource"]["resource_status"] == "CREATE_COMPLETE":
            return p, r["resource"]["attributes"]
        await asyncio.sleep(0.01)
    raise AssertionError("the handle was never created")


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def test_signals_complete_the_wait_and_carry_data(oapi: Api) -> None:
    p, attrs = await _start(oapi, "waits", template())
    token, url = attrs["token"], attrs["endpoint"]
    assert f"X-Auth-Token: {token}" in attrs["curl_cli"] and attrs["curl_cli"].endswith(url)
    # a wrong token, or a Keystone token, is refused; the handle's own is taken
    r = await oapi.client.post(_path(url), json={"status": "SUCCESS"},
                               headers={"X-Auth-Token": "nope"})
    assert r.status_code == 403, r.text
    r = await oapi.client.post(_path(url), json={"status": "SUCCESS"},
                               headers={"X-Auth-Token": oapi.admin_token})
    assert r.status_code == 403, r.text
    r = await oapi.client.post(_path(url), json={"status": "MAYBE"},
                               headers={"X-Auth-Token": token})
    assert r.status_code == 400, r.text
    r = await oapi.client.post(_path(url), headers={"X-Auth-Token": token},
                               json={"status": "SUCCESS", "reason": "up", "data": "one",
                                     "id": "a"})
    assert r.status_code == 200, r.text
    s = await show(oapi, "waits")
    assert s["stack_status"] == "CREATE_IN_PROGRESS"      # 1 of 2
    r = await oapi.client.post(_path(url) + f"?token={token}",
                               json={"status": "SUCCESS", "data": "two", "id": "b"})
    assert r.status_code == 200, r.text
    await settle(oapi)
    s = await show(oapi, "waits")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    outs = {o["output_key"]: o["output_value"] for o in s["outputs"]}
    assert json.loads(outs["data"]) == {"a": "one", "b": "two"}
    events = (await oapi.ok("GET", f"{p}/resources/h/events"))["events"]
    assert any(e["resource_status"] == "SIGNAL_COMPLETE" for e in events)
    await oapi.ok("DELETE", p, 204)
    await settle(oapi)


async def test_failure_signal_fails_the_create_with_its_reason(oapi: Api) -> None:
    p, attrs = await _start(oapi, "waitfail", template(count=1))
    r = await oapi.client.post(_path(attrs["endpoint"]),
                               headers={"X-Auth-Token": attrs["token"]},
                               json={"status": "FAILURE", "reason": "disk full"})
    assert r.status_code == 200, r.text
    await settle(oapi)
    s = await show(oapi, "waitfail")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] == ("Resource CREATE failed: WaitConditionFailure: "
                                        "resources.w: disk full")


async def test_timeout_fails_the_create(oapi: Api) -> None:
    b = await base(oapi)
    await oapi.ok("POST", f"{b}/stacks", 201,
                  json={"stack_name": "waitlate", "template": template(count=1, timeout=1)})
    await settle(oapi)
    s = await show(oapi, "waitlate")
    assert s["stack_status"] == "CREATE_FAILED"
    assert s["stack_status_reason"] == ("Resource CREATE failed: WaitConditionTimeout: "
                                        "resources.w: 0 of 1 received")
