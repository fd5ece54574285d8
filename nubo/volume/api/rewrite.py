"""Cinder's URLs with a project id (`/volume/v3/{project_id}/volumes`, the only form before
3.67) and without it: the project id is taken off the path before routing, and the core
checks it is the token's project ("Malformed request URL" otherwise)."""

from __future__ import annotations

from starlette.types import Scope

BASE = "/volume/v3"
#: the first path segment of every route under /v3 (never a project id)
TOP = frozenset({"volumes", "snapshots", "types", "os-quota-sets", "limits",
                 "os-availability-zone", "os-services", "extensions", "attachments", "backups",
                 "os-volume-transfer", "volume-transfers", "messages",
                 "os-quota-class-sets", "scheduler-stats", "capabilities", "os-hosts",
                 "qos-specs", "group_types", "groups", "group_snapshots"})


def rewrite(scope: Scope) -> bool:
    path: str = scope["path"]
    if not path.startswith(BASE + "/"):
        return False
    first, _, tail = path[len(BASE) + 1:].partition("/")
    if first and first not in TOP and tail:
        scope["nubo.url_project_id"] = first
        scope["path"] = f"{BASE}/{tail}"
    return False
