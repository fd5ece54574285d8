"""A first stack end to end in-process: a random string and a value."""

from __future__ import annotations

from tests.api.orchestration.conftest import create_stack, show
from tests.conftest import Api

T = {"heat_template_version": "2018-08-31",
     "parameters": {"n": {"type": "number", "default": 8}},
     "resources": {"rnd": {"type": "OS::Heat::RandomString",
                           "properties": {"length": {"get_param": "n"}}},
                   "val": {"type": "OS::Heat::Value",
                           "properties": {"value": {"str_replace": {
                               "template": "x-$r", "params": {"$r": {"get_attr": [
                                   "rnd", "value"]}}}}}}},
     "outputs": {"out": {"value": {"get_attr": ["val", "value"]}}}}


async def test_random_value_stack(oapi: Api) -> None:
    created = await create_stack(oapi, "s1", T)
    assert created["stack"]["id"]
    s = await show(oapi, "s1")
    assert s["stack_status"] == "CREATE_COMPLETE", s
    out = s["outputs"][0]["output_value"]
    assert out.startswith("x-") and len(out) == 10
