"""Nova's legacy v2.0 API: /compute/v2/... (optionally /compute/v2/{project_id}/...) is the
v2.1 API without microversions (Nova's LegacyV2CompatibleWrapper). The request is served
by the v2.1 routes at 2.1 whatever microversion headers it carries, and the response has
no microversion headers. The catalog keeps pointing at v2.1."""

from __future__ import annotations

import re

from starlette.types import Scope

from nubo.compute.api import PREFIX

_LEGACY = PREFIX + "/v2"
_CURRENT = PREFIX + "/v2.1"
_KEY = "nubo.legacy_v2"
#: A Keystone project id (uuid4 hex), as DevStack's old /v2/$(project_id)s endpoints had.
_PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")


def rewrite(scope: Scope) -> bool:
    """Point a /compute/v2 request at /compute/v2.1; True when it was a legacy request."""
    path: str = scope["path"]
    if path != _LEGACY and not path.startswith(_LEGACY + "/"):
        return False
    rest = path[len(_LEGACY):]
    first, _, tail = rest[1:].partition("/")
    if _PROJECT_ID.match(first):
        scope["nubo.url_project_id"] = first
        rest = "/" + tail if tail else ""
    scope["path"] = _CURRENT + rest
    scope[_KEY] = True
    return True


def is_legacy_v2(scope: Scope) -> bool:
    return bool(scope.get(_KEY))
