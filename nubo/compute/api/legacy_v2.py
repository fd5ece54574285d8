"""Nova's legacy v2.0 API: /compute/v2/... is the v2.1 API without microversions (Nova's
LegacyV2CompatibleWrapper). The request is served by the v2.1 routes at 2.1 whatever
microversion headers it carries, and the response has no microversion headers. The catalog
keeps pointing at v2.1.

As Nova, both APIs also take a project id after the version (/compute/v2/{project_id}/...,
the endpoints of old catalogs); it must be the token's project (checked after
authentication, core/http.py)."""

from __future__ import annotations

import re

from starlette.types import Scope

from nubo.compute.api.wiring import PREFIX

_LEGACY = PREFIX + "/v2"
_CURRENT = PREFIX + "/v2.1"
_KEY = "nubo.legacy_v2"
#: Nova's project_id token in its routes: hex digits and dashes only.
_PROJECT_ID = re.compile(r"^[0-9a-f-]+$")


def _base(path: str) -> str | None:
    for base in (_CURRENT, _LEGACY):
        if path == base or path.startswith(base + "/"):
            return base
    return None


def rewrite(scope: Scope) -> bool:
    """Point a /compute/v2 request at /compute/v2.1 and drop a project id from the path;
    True when it was a legacy v2 request."""
    path: str = scope["path"]
    base = _base(path)
    if base is None:
        return False
    rest = path[len(base):]
    first, _, tail = rest[1:].partition("/")
    if _PROJECT_ID.match(first):
        scope["nubo.url_project_id"] = first
        rest = "/" + tail if tail else ""
    scope["path"] = _CURRENT + rest
    if base == _LEGACY:
        scope[_KEY] = True
    return base == _LEGACY


def is_legacy_v2(scope: Scope) -> bool:
    return bool(scope.get(_KEY))
