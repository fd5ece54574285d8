"""os-server-external-events: what Neutron (and Cinder) tell Nova about a server, recorded
as instance action events, and handed to whoever waits for it (`Conductor.wait_event`,
e.g. the network integration waiting for network-vif-plugged before it powers a guest on).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from nubo.compute.models import Instance, InstanceAction, InstanceActionEvent
from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow

NAMES = ("network-changed", "network-vif-plugged", "network-vif-unplugged",
         "network-vif-deleted", "volume-extended", "power-update",
         "accelerator-request-bound", "volume-reimaged")
Key = tuple[str, str, str | None]


class EventWaiters:
    """Futures for (instance, event name, tag). An event that arrives before anyone waits is
    kept (the last few hundred) so that a waiter that comes late still sees it."""

    def __init__(self, keep: int = 512) -> None:
        self._waiting: dict[Key, list[asyncio.Future[str]]] = {}
        self._arrived: OrderedDict[Key, str] = OrderedDict()
        self._keep = keep

    async def wait(self, instance_id: str, name: str, tag: str | None,
                   timeout: float) -> str:
        """The event's status ("completed", "failed"...); TimeoutError when none came."""
        key = (instance_id, name, tag)
        if key in self._arrived:
            return self._arrived.pop(key)
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            waiters = self._waiting.get(key, [])
            if fut in waiters:
                waiters.remove(fut)
            if not waiters:
                self._waiting.pop(key, None)

    def discard(self, instance_id: str, name: str) -> None:
        """Forget events of `name` for the instance that nobody waited for: called before
        an operation that will cause new ones, so that a stale one cannot answer for it."""
        for key in [k for k in self._arrived if k[0] == instance_id and k[1] == name]:
            del self._arrived[key]

    def deliver(self, instance_id: str, name: str, tag: str | None, status: str) -> bool:
        """Wake the waiters of this event; True when there was one."""
        key = (instance_id, name, tag)
        waiters = [f for f in self._waiting.pop(key, []) if not f.done()]
        for f in waiters:
            f.set_result(status)
        if not waiters:
            self._arrived[key] = status
            while len(self._arrived) > self._keep:
                self._arrived.popitem(last=False)
        return bool(waiters)


async def record_events(db: Database, waiters: EventWaiters, ctx: RequestContext,
                        events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event with its `code`: 200 recorded, 404 no such server, 422 not on a host."""
    out: list[dict[str, Any]] = []
    for ev in events:
        result = {"name": ev["name"], "server_uuid": ev["server_uuid"],
                  "status": ev.get("status", "completed"), **(
                      {"tag": ev["tag"]} if "tag" in ev else {})}
        async with db.write() as s:
            inst = await s.get(Instance, ev["server_uuid"])
            if inst is None or inst.deleted:
                out.append({**result, "code": 404})
                continue
            if not inst.host:
                out.append({**result, "code": 422})
                continue
            action = (await s.execute(select(InstanceAction).where(
                InstanceAction.instance_id == inst.id).order_by(
                InstanceAction.id.desc()).limit(1))).scalars().first()
            if action is not None:
                now = utcnow()
                s.add(InstanceActionEvent(
                    action_id=action.id, event=f"compute_external_instance_event_{ev['name']}",
                    host=inst.host, start_time=now, finish_time=now,
                    result="Error" if result["status"] == "failed" else "Success",
                    traceback=ev.get("tag")))
        waiters.deliver(inst.id, ev["name"], ev.get("tag"), result["status"])
        out.append({**result, "code": 200})
    return out
