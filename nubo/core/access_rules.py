"""Application credential access rules, enforced once for every service (keystonemiddleware's
`validate_allowed_request`, which Keystone also runs on its own API).

A token made from a credential with access rules may call only a (service type, method,
path) that one of its rules allows. Paths are patterns: `*` and `{name}` match one path
segment, `**` any number. The path is tried as the service sees it below its own prefix
(`/v2.1/servers`, as Keystone's documentation writes rules for a service on its own port)
and as the whole URL path (`/compute/v2.1/servers`, what keystonemiddleware sees behind
DevStack's path-per-service layout, which Nubo's URLs follow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"(?P<tag>{[^}]*})|(?P<wild>\*(?=$|[^*]))|(?P<rec_wild>\*\*)|"
                    r"(?P<literal>[^{}*])")


@dataclass(frozen=True)
class AccessRule:
    service: str
    method: str
    path: str


@lru_cache(maxsize=1024)
def _pattern(path: str) -> re.Pattern[str]:
    out = ""
    for m in _TOKEN.finditer(path):
        if m["tag"] or m["wild"]:
            out += r"[^/]+"
        elif m["rec_wild"]:
            out += ".*"
        else:
            out += re.escape(m["literal"])
    return re.compile(f"^{out}$")


def path_matches(request_path: str, pattern: str) -> bool:
    return _pattern(pattern).match(request_path) is not None


def allowed(rules: tuple[AccessRule, ...], service: str, method: str, prefix: str,
            path: str) -> bool:
    """Whether a request of `method` on the URL path `path` of the service of type `service`
    mounted at `prefix` is one the rules allow."""
    if service == "identity" and method == "GET" and path.endswith("/v3/auth/tokens"):
        return True     # a token can always be validated, whatever its rules
    inner = path[len(prefix):] or "/" if path.startswith(prefix) else path
    return any(r.method == method and r.service == service and (
        path_matches(inner, r.path) or path_matches(path, r.path)) for r in rules)
