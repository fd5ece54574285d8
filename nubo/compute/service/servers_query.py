"""What a server list request may filter on, per microversion and role (Nova's rules), and
the host status (2.16) of the servers in a response."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors, states
from nubo.compute.service.networking import nics_of_any
from nubo.compute.service.server_view import ServerView
from nubo.core.context import RequestContext
from nubo.core.microversion import APIVersion
from nubo.network import models as nm

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
            raise errors.InvalidStatusFilter(status=q['status'])
    if ver < APIVersion(2, 66):
        q.pop("changes-before", None)
    elif q.get("changes-before") and q.get("changes-since") and \
            q["changes-before"] < q["changes-since"]:
        raise errors.ChangesSinceAfterChangesBefore(since=q['changes-since'],
                                                    before=q['changes-before'])
    if ver < APIVersion(2, 26):
        for key in ("tags", "tags-any", "not-tags", "not-tags-any"):
            q.pop(key, None)
    if not ctx.is_admin:
        allowed = USER_FILTERS | (FILTERS_283 if ver >= APIVersion(2, 83) else set())
        if ver < APIVersion(2, 5):
            allowed = allowed - {"ip6"}       # ip6 is admin-only before 2.5
        q = {k: v for k, v in q.items() if k in allowed}
    elif q.get("fixed_ip"):
        # Nova's admin-only exact fixed address: the ip filter anchored at both ends
        escaped = q["fixed_ip"].replace(".", "\\.")
        q["ip"] = f"^{escaped}$"
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
    by_host = await services.compute_health({v.instance.host for v in views
                                             if v.instance.host})
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


def _address_regex(q: dict[str, Any], key: str) -> re.Pattern[str] | None:
    if not q.get(key):
        return None
    try:
        return re.compile(str(q[key]))
    except re.error:
        raise errors.InvalidRegexFilter(name=key, value=q[key]) from None


async def filter_by_ip(s: AsyncSession, rows: list[Any], q: dict[str, Any]) -> list[Any]:
    """`ip` / `ip6`: servers with a fixed IPv4 / IPv6 address that the regular expression
    matches from its start (Nova's re.match on the network info's fixed IPs). Applied to
    the candidates before the page is cut, so limit and marker count matching servers only;
    one read of the candidates' addresses, in chunks."""
    v4, v6 = _address_regex(q, "ip"), _address_regex(q, "ip6")
    if (v4 is None and v6 is None) or not rows:
        return rows
    ids = [r.id for r in rows]
    matched: set[str] = set()
    for i in range(0, len(ids), 500):
        found = (await s.execute(
            select(nm.Port.device_id, nm.IPAllocation.ip_address)
            .join(nm.IPAllocation, nm.IPAllocation.port_id == nm.Port.id)
            .where(nics_of_any(ids[i:i + 500])))).all()
        for device_id, address in found:
            rx = v4 if ipaddress.ip_address(address).version == 4 else v6
            if rx is not None and rx.match(address):
                matched.add(device_id)
    return [r for r in rows if r.id in matched]
