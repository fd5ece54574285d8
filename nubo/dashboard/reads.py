"""The reads of the busiest pages straight from the compute service, in-process: the
instances list (and its live rows) and the overview read a page of the project's servers
from `ServerPages` (the project's scoping as GET /servers/detail, the limit in SQL, the same
address lookup) and skip the API's JSON view of every server (about half a millisecond
each: the cost that made a 1,000-server page slow). The policy rule is checked as the API
checks it."""

from __future__ import annotations

from typing import Any, Protocol

from nubo.compute import states
from nubo.compute.api.views.servers import ts
from nubo.compute.service.server_view import ServerView
from nubo.core.context import RequestContext
from nubo.dashboard.cli import ago


class ServerLister(Protocol):
    """The compute service's pages of servers (compute/service/server_pages.py)."""

    async def newest(self, ctx: RequestContext, limit: int, marker: str | None = None
                     ) -> list[ServerView]: ...


def row(v: ServerView) -> dict[str, Any]:
    """A server with the keys of the API's detail view that the pages show."""
    i = v.instance
    updated = ts(i.updated_at)
    addresses = v.addresses or {}
    # what the rows show, made here: a 1,000-row page renders in plain loops
    return {"id": i.id, "name": i.name, "status": states.status(i.vm_state, i.task_state),
            "OS-EXT-STS:task_state": i.task_state, "updated": updated,
            "updated_ago": ago(updated), "created": ts(i.created_at),
            "flavor": {"original_name": (i.flavor or {}).get("name", "")},
            "addresses": addresses,
            "ips": [(net, a["addr"], a.get("OS-EXT-IPS:type", "fixed"))
                    for net, addrs in addresses.items() for a in addrs]}


async def servers(lister: ServerLister, ctx: RequestContext, limit: int,
                  marker: str | None = None) -> tuple[list[dict[str, Any]], bool]:
    """A page of the caller's project's servers, newest first (as GET /servers/detail with
    limit and marker), and whether more follow. A marker that is gone (its server was
    deleted) starts again from the newest."""
    found = await lister.newest(ctx, limit + 1, marker)
    return [row(v) for v in found[:limit]], len(found) > limit
