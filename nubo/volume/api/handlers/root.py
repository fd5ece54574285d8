"""GET /volume and /volume/v3: Cinder's version documents (no authentication). The root
answers 300 Multiple Choices, as Cinder's does; /v3 answers 200."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.volume.api.versions import MAX, MIN, UPDATED
from nubo.volume.api.wiring import api


def _v3(base: str) -> dict[str, Any]:
    return {"id": "v3.0", "status": "CURRENT", "version": str(MAX),
            "min_version": str(MIN), "updated": UPDATED,
            "links": [{"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"},
                      {"rel": "self", "href": f"{base}/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


async def versions(request: Request) -> Response:
    return json_response({"versions": [_v3(api(request).base_url)]}, 300)


async def v3(request: Request) -> Response:
    return json_response({"versions": [_v3(api(request).base_url)]})
