"""What a server list request may filter on, per microversion and role (Nova's rules), and
the host status (2.16) of the servers in a response."""

from __future__ import annotations

from typing import Any

from nubo.compute import states
from nubo.compute.servers import ServerView
from nubo.core.context import RequestContext
from nubo.core.errors import BadRequest
from nubo.core.microversion import APIVersion

#: filters everybody may use at 2.1 (the rest are admin-only and ignored for others)
USER_FILTERS = {"name", "status", "image", "flavor", "changes-since", "reservation_id",
                "ip", "ip6", "limit", "marker", "sort_key", "sort_dir", "all_tenants",
                "tags", "tags-any", "not-tags", "not-tags-any"}
#: 2.83 lets non-admins filter on these too
FILTERS_283 = {"availability_zone", "config_drive", "key_name", "created_at", "launched_at",
               "terminated_at", "power_state", "task_state", "vm_state", "progress",
               "user_id"}


def prepare(q: dict[str, Any], ctx: RequestContext, ver: APIVersion) -> dict[str, Any]:
    """The query the service applies: version rules enforced, others' filters dropped."""
    if ver >= APIVersion(2, 38) and q.get("status"):
        # 2.38: an unknown status is a 400, no longer an empty list
        vm, _ = states.statuses_to_states(q["status"])
        if not vm:
            raise BadRequest(f"Invalid status value: {q['status']}")
    if ver < APIVersion(2, 66):
        q.pop("changes-before", None)
    elif q.get("changes-before") and q.get("changes-since") and \
            q["changes-before"] < q["changes-since"]:
        raise BadRequest(f"The value of changes-since ({q['changes-since']}) must be "
                         f"earlier than or equal to changes-before ({q['changes-before']}).")
    if ver < APIVersion(2, 26):
        for key in ("tags", "tags-any", "not-tags", "not-tags-any"):
            q.pop(key, None)
    if not ctx.is_admin:
        allowed = USER_FILTERS | (FILTERS_283 if ver >= APIVersion(2, 83) else set())
        q = {k: v for k, v in q.items() if k in allowed}
    return q


def host_status(svc: Any) -> str:
    """Nova's host_status: UP, DOWN (not heard from or forced down), MAINTENANCE
    (disabled), UNKNOWN (no such service)."""
    if svc is None:
        return "UNKNOWN"
    if svc.forced_down or not svc.up:
        return "DOWN"
    return "MAINTENANCE" if svc.disabled else "UP"


async def fill_host_status(views: list[ServerView], services: Any, ctx: RequestContext,
                           ver: APIVersion) -> None:
    """2.16: the host status for those allowed to see it (admins by policy default); a
    server on no host gets an empty string."""
    if ver < APIVersion(2, 16) or not ctx.is_admin or not views:
        return
    by_host = {s.host: s for s in await services.find(binary="nova-compute")}
    for v in views:
        host = v.instance.host
        v.host_status = host_status(by_host.get(host)) if host else ""


def more_filters(rows: list[Any], q: dict[str, Any]) -> list[Any]:
    """Exact-match filters (admins at any version, everybody from 2.83), on instances
    already read."""
    for key, attr in (("user_id", "user_id"), ("key_name", "key_name"),
                      ("vm_state", "vm_state"), ("task_state", "task_state"),
                      ("availability_zone", "availability_zone")):
        if q.get(key):
            rows = [r for r in rows if str(getattr(r, attr) or "") == q[key]]
    if q.get("power_state") not in (None, ""):
        rows = [r for r in rows if str(r.power_state) == str(q["power_state"])]
    if q.get("config_drive") not in (None, ""):
        want = str(q["config_drive"]).lower() in ("1", "true", "yes", "on")
        rows = [r for r in rows if bool(r.config_drive) == want]
    # the tag filters (2.26) read the tags table: tags.filter_by_tags
    return rows
