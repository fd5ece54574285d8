"""The overview: quota usage as bars, what runs, what changed lately."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.handlers.instances import C, servers_of

N = "/networking/v2.0"
#: the newest servers the overview looks at (what runs, what changed)
RECENT = 50


def bar(label: str, used: int, limit: int, unit: str = "") -> dict[str, Any]:
    pct = 0 if limit <= 0 else min(100, round(100 * used / limit))
    return {"label": label, "used": used, "limit": limit, "unit": unit, "pct": pct,
            "level": "high" if pct >= 90 else "mid" if pct >= 70 else "low"}


async def overview(p: Page) -> Response:
    limits, vlimits, servers, fips, quota, volumes = await asyncio.gather(
        p.api.get(f"{C}/limits", p.token),
        p.api.call("GET", f"/volume/v3/{p.project_id}/limits", p.token),
        servers_of(p, limit=RECENT),
        p.api.get(f"{N}/floatingips", p.token, fields="id"),
        p.api.call("GET", f"{N}/quotas/{p.project_id}", p.token),
        p.api.call("GET", f"/volume/v3/{p.project_id}/volumes/detail", p.token))
    a = limits["limits"]["absolute"]
    bars = [bar("Instances", a["totalInstancesUsed"], a["maxTotalInstances"]),
            bar("vCPUs", a["totalCoresUsed"], a["maxTotalCores"]),
            bar("RAM", a["totalRAMUsed"], a["maxTotalRAMSize"], "MiB")]
    if vlimits.ok:
        v = vlimits.body["limits"]["absolute"]
        bars += [bar("Volumes", v["totalVolumesUsed"], v["maxTotalVolumes"]),
                 bar("Volume storage", v["totalGigabytesUsed"], v["maxTotalVolumeGigabytes"],
                     "GiB")]
    if quota.ok:
        bars.append(bar("Floating IPs", len(fips["floatingips"]),
                        quota.body["quota"].get("floatingip", -1)))
    srv = servers[0]
    states: dict[str, int] = {}
    for s in srv:
        states[s["status"]] = states.get(s["status"], 0) + 1
    events = [("instance", s["name"], s["status"], s["updated"], f"/instances/{s['id']}")
              for s in srv]
    if volumes.ok:
        events += [("volume", v["name"] or v["id"][:8], v["status"],
                    v.get("updated_at") or v["created_at"], "/volumes")
                   for v in volumes.body["volumes"]]
    events.sort(key=lambda e: e[3] or "", reverse=True)
    return p.render("overview.html", bars=bars, states=sorted(states.items()),
                    running=[s for s in srv if s["status"] == "ACTIVE"][:8],
                    total=a["totalInstancesUsed"], events=events[:10])
