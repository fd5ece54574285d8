"""What the hot-plug services (interfaces.py, volume_attachments.py) share: running a step
under the conductor's per-instance lock, and ending the action a hot-plug recorded in
os-instance-actions with its one event."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import select

from nubo.compute.models import InstanceAction, InstanceActionEvent
from nubo.core.db import Database, utcnow
from nubo.core.errors import NuboError

T = TypeVar("T")


class InstanceTasks(Protocol):
    """The conductor's per-instance queue (nubo.compute.conductor.manager.Conductor)."""

    def spawn_task(self, instance_id: str, work: Callable[[str], Awaitable[None]]) -> None:
        ...


async def under_instance_lock(tasks: InstanceTasks, instance_id: str,
                              work: Callable[[], Awaitable[T]]) -> T:
    """Run `work()` queued behind the instance's other operations (the conductor's lock)
    and hand its result, or its exception, to the caller."""
    done: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    async def run(_: str) -> None:
        try:
            done.set_result(await work())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            done.set_exception(exc)
    tasks.spawn_task(instance_id, run)
    return await done


async def finish_action(db: Database, instance_id: str, actions: tuple[str, ...],
                        event: str, started: datetime, host: str | None,
                        error: NuboError | None) -> None:
    """The newest open action named one of `actions` gets its one event (Success or Error,
    with the error's message) and ends; nothing when none is open."""
    async with db.write() as s:
        action = (await s.execute(select(InstanceAction).where(
            InstanceAction.instance_id == instance_id, InstanceAction.action.in_(actions),
            InstanceAction.finish_time.is_(None)).order_by(
            InstanceAction.id.desc()).limit(1))).scalars().first()
        if action is None:
            return
        now = utcnow()
        s.add(InstanceActionEvent(
            action_id=action.id, event=event, host=host, start_time=started,
            finish_time=now, result="Error" if error else "Success",
            traceback=str(error) if error else None))
        action.finish_time = action.updated_at = now
        if error is not None:
            action.message = "Error"
