"""Version discovery at /compute and /compute/v2.1, as Nova answers it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute.api import api
from nubo.compute.versions import MAX, MIN
from nubo.core.http import json_response


def _v21(base: str) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": str(MAX),
            "min_version": str(MIN), "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base}/v2.1/"},
                      {"rel": "describedby", "type": "text/html",
                       "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.compute+json;version=2.1"}]}


async def versions(request: Request) -> Response:
    base = api(request).base_url
    return json_response({"versions": [_v21(base)]})


async def v21(request: Request) -> Response:
    return json_response({"version": _v21(api(request).base_url)})
