"""GET /placement: the version document (no authentication, as Placement's root)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.placement.versions import MAX, MIN


async def home(request: Request) -> Response:
    return json_response({"versions": [{
        "id": "v1.0", "max_version": str(MAX), "min_version": str(MIN), "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}]}]})
