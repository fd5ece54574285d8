"""The conductor's public step API: what its satellites (resize.py, migrate.py, shelve.py,
snapshot.py, actions.py, powersync.py) and the server actions use of it, and nothing else.

Every step of a server operation is taken only while the instance row is still where the step
expects it (a conditional UPDATE): `commit` records a step (the row, the action's events and
end, a move's record) in one transaction, `set_if` changes the row alone, `destroy_on` removes
a guest from a host. Work on an instance runs one operation at a time (`spawn_task`); a
satellite never reaches into the conductor's private state. `Conductor` (manager.py) is the
implementation; satellites depend on this Protocol, so that manager.py imports them and none
of them imports manager.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute.conductor.vifplug import VifPlugging
from nubo.compute.models import Instance
from nubo.core.bus import Bus
from nubo.core.db import Database
from nubo.placement.service import PlacementService
from nubo.scheduler.filters import HostState
from nubo.scheduler.scheduler import Scheduler

#: an image's id and properties by its id (None: not found), as the scheduler and the
#: driver need them
ImageLookup = Callable[[str], Awaitable[dict[str, Any] | None]]
#: a finished step of an instance action: (event name, start time, host, result, traceback)
StepEvent = tuple[str, Any, str | None, str, str | None]
#: the work that carries an instance's task forward, given the instance id
Work = Callable[[str], Awaitable[None]]


class InstanceSteps(Protocol):
    """The conductor as its satellites see it."""

    db: Database
    bus: Bus
    placement: PlacementService
    scheduler: Scheduler
    image_lookup: ImageLookup
    #: binding ports to hosts and waiting for network-vif-plugged
    vifs: VifPlugging

    async def commit(self, instance_id: str, expect: dict[str, Any],
                     events: list[StepEvent], finish: bool = False,
                     message: str | None = None,
                     migration_status: tuple[str, str] | None = None,
                     **values: Any) -> bool:
        """Record a step in one transaction: the row takes `values` only if not deleted and
        still as `expect`ed; `events` go to the latest action; `finish` ends the action (with
        `message`); `migration_status` (uuid, status) updates the move's record. Returns
        whether the row changed (False: the step lost a race and does nothing more)."""
        ...

    async def commit_in(self, s: AsyncSession, instance_id: str, expect: dict[str, Any],
                        events: list[StepEvent], finish: bool = False,
                        message: str | None = None, **values: Any) -> bool:
        """`commit` inside the caller's transaction `s`."""
        ...

    async def set_if(self, instance_id: str, expect: dict[str, Any], **values: Any) -> bool:
        """The row takes `values` only if not deleted and still as `expect`ed; no event."""
        ...

    async def destroy_on(self, host: str | None, instance_id: str) -> bool:
        """Destroy the guest on `host`; False when the host did not answer."""
        ...

    def spawn_task(self, instance_id: str, work: Work) -> None:
        """Run `work(instance_id)` after the instance's running operation, in the
        background; a failure is logged and left to the reconciler."""
        ...

    async def busy(self, instance_id: str) -> bool:
        """Whether an operation on the instance is running now (in any replica)."""
        ...

    def work_for(self, inst: Instance) -> Work:
        """The step that carries the instance's current task forward."""
        ...

    async def instance_spec(self, inst: Instance, image: dict[str, Any] | None = None,
                            flavor: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the agent needs to run the instance (an InstanceSpec as plain values)."""
        ...

    async def host_states(self) -> list[HostState]:
        """The compute hosts as the scheduler sees them."""
        ...

    async def delete(self, instance_id: str) -> None:
        """Carry out the instance's delete (the API set task_state DELETING)."""
        ...
