"""Version discovery at /identity and /identity/v3, as keystoneauth expects it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.identity.handlers.common import api

VERSION = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"


def _version(base: str) -> dict[str, Any]:
    return {"id": VERSION, "status": "stable", "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{base}/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}]}


async def versions(request: Request) -> Response:
    base = api(request).base_url
    return json_response({"versions": {"values": [_version(base)]}}, 300,
                         {"Location": f"{base}/v3/"})


async def v3(request: Request) -> Response:
    return json_response({"version": _version(api(request).base_url)})
