"""os-server-external-events: what Neutron (and Cinder) tell Nova about a server, recorded
as instance action events, and handed to whoever waits for it (`Conductor.wait_event`,
e.g. the network integration waiting for network-vif-plugged before it powers a guest on).

Any controller replica may receive an event that another replica's conductor waits for, so
an event is kept in the database (`compute_external_event`) until one waiter takes it. Once
it is committed, the receiving replica wakes its own waiters and broadcasts
`compute.external_event` on the bus, which wakes the other replicas' waiters at once; a
waiter also looks every `POLL` seconds, in case a broadcast was lost (a broadcast is a hint:
the database row is the event).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute.models import Instance, InstanceAction, InstanceActionEvent
from nubo.compute.models_events import ExternalEvent
from nubo.core.bus import EventHandler
from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow

LOG = logging.getLogger("nubo.compute.events")
#: the bus broadcast that an event was recorded: {instance_id, name, tag}
RECORDED = "compute.external_event"

NAMES = ("network-changed", "network-vif-plugged", "network-vif-unplugged",
         "network-vif-deleted", "volume-extended", "power-update",
         "accelerator-request-bound", "volume-reimaged")
Key = tuple[str, str, str | None]
#: how often a waiter looks for an event another replica received
POLL = 1.0
#: an event nobody took is forgotten after this long
KEEP = timedelta(hours=1)


class Broadcaster(Protocol):
    """The part of the bus the waiters use (core/bus/protocol.py)."""

    async def broadcast(self, event: str, /, **kwargs: Any) -> None: ...

    def on_broadcast(self, event: str, handler: EventHandler) -> None: ...


class EventWaiters:
    """Waits for (instance, event name, tag) across replicas. An event that arrives before
    anyone waits is kept (for `KEEP`) so that a waiter that comes late still sees it; each
    event answers one waiter."""

    def __init__(self, db: Database, bus: Broadcaster | None = None,
                 poll: float = POLL) -> None:
        self.db = db
        self.bus = bus
        self.poll = poll
        self._bells: dict[Key, list[asyncio.Event]] = {}
        self._listening = False

    def _listen(self) -> None:
        """Hear the other replicas' broadcasts (from the first wait: a replica that never
        waited has nobody to wake)."""
        if self.bus is not None and not self._listening:
            self._listening = True
            self.bus.on_broadcast(RECORDED, self._on_recorded)

    async def _on_recorded(self, _sender: str, instance_id: str, name: str,
                           tag: str | None) -> None:
        self.wake(instance_id, name, tag)

    async def wait(self, instance_id: str, name: str, tag: str | None,
                   timeout: float) -> str:
        """The event's status ("completed", "failed"...); TimeoutError when none came
        within `timeout` seconds."""
        self._listen()
        key = (instance_id, name, tag)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        bell = asyncio.Event()
        self._bells.setdefault(key, []).append(bell)
        try:
            while True:
                bell.clear()
                status = await self._take(key)
                if status is not None:
                    return status
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError(f"no {name} for {instance_id} ({tag})")
                try:
                    await asyncio.wait_for(bell.wait(), min(self.poll, left))
                except TimeoutError:
                    pass
        finally:
            bells = self._bells.get(key, [])
            if bell in bells:
                bells.remove(bell)
            if not bells:
                self._bells.pop(key, None)

    async def _take(self, key: Key) -> str | None:
        """The oldest event kept for `key`, deleted: no other waiter gets it too."""
        instance_id, name, tag = key
        where = (ExternalEvent.instance_id == instance_id, ExternalEvent.name == name,
                 ExternalEvent.tag.is_(None) if tag is None else ExternalEvent.tag == tag)
        async with self.db.read() as s:
            row = (await s.execute(select(ExternalEvent.id, ExternalEvent.status).where(
                *where).order_by(ExternalEvent.id).limit(1))).first()
        if row is None:
            return None
        async with self.db.write() as s:
            taken = (await s.execute(delete(ExternalEvent).where(
                ExternalEvent.id == row.id))).rowcount  # type: ignore[attr-defined]
        return row.status if taken else None

    async def discard(self, instance_id: str, name: str) -> None:
        """Forget events of `name` for the instance that nobody waited for: called before
        an operation that will cause new ones, so that a stale one cannot answer for it."""
        async with self.db.write() as s:
            await s.execute(delete(ExternalEvent).where(
                ExternalEvent.instance_id == instance_id, ExternalEvent.name == name))

    async def record_in(self, s: AsyncSession, instance_id: str, name: str,
                        tag: str | None, status: str) -> None:
        """Keep the event in the caller's transaction `s` (then `wake` after its commit);
        events older than `KEEP` go."""
        await s.execute(delete(ExternalEvent).where(
            ExternalEvent.created_at < utcnow() - KEEP))
        s.add(ExternalEvent(instance_id=instance_id, name=name, tag=tag, status=status,
                            created_at=utcnow()))

    def wake(self, instance_id: str, name: str, tag: str | None) -> None:
        """An event was committed: this process's waiters for it look now."""
        for bell in self._bells.get((instance_id, name, tag), []):
            bell.set()

    async def notify(self, instance_id: str, name: str, tag: str | None) -> None:
        """An event was committed: every replica's waiters for it look now (this one's
        directly, the others' through the bus)."""
        self.wake(instance_id, name, tag)
        if self.bus is None:
            return
        try:
            await self.bus.broadcast(RECORDED, instance_id=instance_id, name=name, tag=tag)
        except Exception:  # noqa: BLE001 - the other replicas' waiters still poll
            LOG.warning("broadcasting %s of %s failed; other replicas will poll for it",
                        name, instance_id, exc_info=True)

    async def deliver(self, instance_id: str, name: str, tag: str | None,
                      status: str) -> None:
        """Keep the event and wake this process's waiters for it."""
        async with self.db.write() as s:
            await self.record_in(s, instance_id, name, tag, status)
        await self.notify(instance_id, name, tag)


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
            await waiters.record_in(s, inst.id, ev["name"], ev.get("tag"), result["status"])
        await waiters.notify(inst.id, ev["name"], ev.get("tag"))
        out.append({**result, "code": 200})
    return out
