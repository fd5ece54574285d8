"""core.validation's bounds on request bodies and numbers, and ServiceApp's net under them."""

from __future__ import annotations

import httpx
import orjson
import pytest
import sqlalchemy.exc
from starlette.requests import Request
from starlette.responses import Response

from nubo.core.errors import ValidationError
from nubo.core.http import Route, ServiceApp, parse_json
from nubo.core.validation import INT64_MAX, INT64_MIN, MAX_JSON_DEPTH, as_int, check_json


def nested(levels: int) -> object:
    """`levels` arrays, one in another."""
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_depth_is_bounded_at_the_limit() -> None:
    check_json(nested(MAX_JSON_DEPTH))
    with pytest.raises(ValidationError, match="nests deeper than"):
        check_json(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(ValidationError, match="nests deeper than"):
        parse_json(b"[" * 300 + b"]" * 300)


def test_integers_are_bounded_to_64_bits_wherever_they_are() -> None:
    check_json({"a": [INT64_MAX, INT64_MIN, True, 1.5e300, None, "x" * 10]})
    for value in (INT64_MAX + 1, 2**64 - 1):
        with pytest.raises(ValidationError, match="out of range"):
            check_json({"a": [{"b": value}]})
        with pytest.raises(ValidationError, match="out of range"):
            parse_json(orjson.dumps({"deep": {"n": value}}))


def test_as_int() -> None:
    assert as_int("42") == 42 and as_int(str(INT64_MAX)) == INT64_MAX
    assert as_int(str(INT64_MAX + 1)) is None and as_int(str(INT64_MIN - 1)) is None
    assert as_int("x") is None and as_int("-1", 0) is None and as_int("5", 0, 4) is None


@pytest.mark.parametrize("exc", [
    OverflowError("Python int too large to convert to SQLite INTEGER"),
    sqlalchemy.exc.DataError("UPDATE x", {}, Exception("value out of int32 range")),
])
async def test_a_value_out_of_range_that_gets_through_is_the_services_400(
        exc: Exception) -> None:
    async def handler(request: Request) -> Response:
        raise exc
    app = ServiceApp("x", "/x", [Route("/boom", "GET", handler, auth=False)], "nova", None)

    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        scope["nubo.request_id"] = "req-1"
        await app(scope, receive, send)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi),
                                 base_url="http://t") as c:
        r = await c.get("/x/boom")
    assert r.status_code == 400
    assert r.json() == {"badRequest": {"code": 400,
                                       "message": "A value in the request is out of range for its "
                                                  "field."}}
