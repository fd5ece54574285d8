"""Version discovery at /compute, /compute/v2.1 and /compute/v2 (the legacy v2.0 API), as
Nova answers it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute.api.legacy_v2 import is_legacy_v2
from nubo.compute.api.versions import MAX, MIN
from nubo.compute.api.wiring import api
from nubo.core.http import json_response

_DOCS = {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}
# Nova's VERSIONS (nova/api/openstack/compute/versions.py), v2.0 as of the 2.96 era.
_VERSIONS: dict[str, dict[str, Any]] = {
    "v2.0": {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
             "updated": "2011-01-21T11:33:21Z", "path": "v2",
             "media-types": [{"base": "application/json",
                              "type": "application/vnd.openstack.compute+json;version=2"}]},
    "v2.1": {"id": "v2.1", "status": "CURRENT", "version": str(MAX),
             "min_version": str(MIN), "updated": "2013-07-23T11:33:21Z", "path": "v2.1",
             "media-types": [{"base": "application/json",
                              "type": "application/vnd.openstack.compute+json;version=2.1"}]},
}
_LISTED = ("id", "status", "version", "min_version", "updated")


def _self(base: str, v: dict[str, Any]) -> dict[str, str]:
    return {"rel": "self", "href": f"{base}/{v['path']}/"}


def _document(base: str, id_: str) -> dict[str, Any]:
    """One version's document: its self and describedby links and media types."""
    v = _VERSIONS[id_]
    return {**{k: v[k] for k in _LISTED}, "links": [_self(base, v), dict(_DOCS)],
            "media-types": v["media-types"]}


async def versions(request: Request) -> Response:
    base = api(request).base_url
    return json_response({"versions": [
        {**{k: v[k] for k in _LISTED}, "links": [_self(base, v)]}
        for _, v in sorted(_VERSIONS.items())]})


async def v21(request: Request) -> Response:
    """GET /compute/v2.1, or GET /compute/v2 (rewritten onto it) for the v2.0 document."""
    id_ = "v2.0" if is_legacy_v2(request.scope) else "v2.1"
    return json_response({"version": _document(api(request).base_url, id_)})
