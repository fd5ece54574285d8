"""Version discovery at /image and the /v2/schemas documents clients fetch first."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.image import schemas
from nubo.image.api import api

CURRENT = 16


def _versions(base: str) -> list[dict[str, Any]]:
    out = [{"id": f"v2.{n}", "status": "CURRENT" if n == CURRENT else "SUPPORTED",
            "links": [{"rel": "self", "href": f"{base}/v2/"}]}
           for n in range(CURRENT, -1, -1)]
    return out


async def versions(request: Request) -> Response:
    return json_response({"versions": _versions(api(request).base_url)}, 300)


async def v2(request: Request) -> Response:
    return json_response({"versions": _versions(api(request).base_url)})


async def schema_image(request: Request) -> Response:
    return json_response(schemas.IMAGE)


async def schema_images(request: Request) -> Response:
    return json_response(schemas.IMAGES)


async def schema_member(request: Request) -> Response:
    return json_response(schemas.MEMBER)


async def schema_members(request: Request) -> Response:
    return json_response(schemas.MEMBERS)
