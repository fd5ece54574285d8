from __future__ import annotations

import orjson
import pytest

from nubo.core import errors
from nubo.core.http import fault_body


def body(style: str, err: errors.NuboError) -> object:
    raw, media = fault_body(style, err, "req-1")  # type: ignore[arg-type]
    return raw.decode() if media.startswith("text/") else orjson.loads(raw)


def test_keystone() -> None:
    assert body("keystone", errors.NotFound("Could not find user: x.")) == {
        "error": {"code": 404, "title": "Not Found", "message": "Could not find user: x."}}


@pytest.mark.parametrize("err, key", [(errors.BadRequest("b"), "badRequest"),
                                      (errors.NotFound("n"), "itemNotFound"),
                                      (errors.Conflict("c"), "conflictingRequest"),
                                      (errors.Forbidden("f"), "forbidden"),
                                      (errors.NuboError("boom"), "computeFault")])
def test_nova(err: errors.NuboError, key: str) -> None:
    assert body("nova", err) == {key: {"code": err.status, "message": err.message}}


def test_neutron_placement_heat_glance() -> None:
    err = errors.NotFound("Network x could not be found.", code="NetworkNotFound")
    assert body("neutron", err) == {"NeutronError": {
        "type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}
    p = body("placement", errors.Conflict("gen"))
    assert p["errors"][0]["status"] == 409 and p["errors"][0]["request_id"] == "req-1"
    h = body("heat", errors.BadRequest("bad"))
    assert h["code"] == 400 and h["error"]["message"] == "bad"
    assert body("glance", errors.NotFound("gone")).startswith("404 Not Found\n\ngone")


def test_policy_error_names_the_rule() -> None:
    e = errors.PolicyNotAuthorized("identity:list_users")
    assert e.status == 403 and "identity:list_users" in e.message
