"""The stack engine. Every step is written to the database before and after it runs (the
resource's action and status, its physical id, its private data), so that the work a
`kill -9` cut off is picked up again: on start, and every `scan` seconds, a stack left
IN_PROGRESS whose lease has lapsed is resumed (create, delete and rollback carry on where
they were; an update is failed with the reason and can be retried with `--existing`).

One replica works a stack at a time (a lease per stack, renewed while it works). Resources
run as soon as what they need is done: in parallel where the graph allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete as sa_delete

from nubo.core.db import Database, utcnow
from nubo.core.errors import NuboError
from nubo.core.leases import Lease, Leases
from nubo.orchestration import resources as registry
from nubo.orchestration.engine.stack import StackResolver, load
from nubo.orchestration.engine.steps import StepFailed, TimedOut, jsonable, reason_of
from nubo.orchestration.engine.update import Updater
from nubo.orchestration.models import Stack, StackResource
from nubo.orchestration.resources.base import (
    Ctx,
    Nested,
    ResourceFailure,
    check_properties,
)
from nubo.orchestration.service.cloud import (
    Asgi,
    Cloud,
    InProcessCloud,
    ServiceCallFailed,
    owner_context,
)
from nubo.orchestration.service.store import Store
from nubo.orchestration.template.template import Template

LOG = logging.getLogger("nubo.orchestration")
#: the longest wait between two looks at a resource in progress
MAX_POLL = 1.0


class Engine:
    def __init__(self, db: Database, apps: Mapping[str, Asgi], *, lease_ttl: float = 30.0,
                 poll: float = 0.2, scan: float = 15.0,
                 cloud_for: Callable[[Stack], Cloud] | None = None) -> None:
        self.store = Store(db)
        self.apps = apps
        self.leases = Leases(db)
        self.lease_ttl = lease_ttl
        self.poll = poll
        self.scan_every = scan
        self._cloud_for = cloud_for
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._scanner: asyncio.Task[None] | None = None
        #: child stacks of a stack (ResourceGroup, OS::Heat::Stack): set by service/stacks
        self.nested_for: Callable[[Stack], Nested] | None = None
        #: the orchestration API's URL (wait condition handles' endpoints)
        self.public_url = ""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Resume what a restart cut off; then look again now and then (another replica
        may have died)."""
        await self.scan()
        self._scanner = asyncio.create_task(self._scan_loop(), name="orchestration-scan")

    async def _scan_loop(self) -> None:
        while True:
            await asyncio.sleep(self.scan_every)
            try:
                await self.scan()
            except Exception:  # noqa: BLE001 - the scan runs again later
                LOG.exception("orchestration scan failed")

    async def scan(self) -> None:
        for stack_id in await self.store.in_progress():
            if stack_id not in self._tasks:
                await self._break_dead_lease(f"orchestration-stack:{stack_id}")
                self.run(stack_id, resumed=True)

    async def _break_dead_lease(self, name: str) -> None:
        """A lease held by a process of this host that is gone (`kill -9`) is taken over at
        once instead of after its time to live (another host's waits for its expiry)."""
        holder = await self.leases.holder_of(name)
        if holder is None or holder == self.leases.holder:
            return
        host, _, rest = holder.partition(":")
        pid = rest.split(":", 1)[0]
        if host != socket.gethostname() or not pid.isdigit() or _alive(int(pid)):
            return
        LOG.info("taking over %s from %s (that process is gone)", name, holder)
        async with self.store.db.write() as s:
            await s.execute(sa_delete(Lease).where(Lease.name == name,
                                                   Lease.holder == holder))

    async def stop(self) -> None:
        if self._scanner is not None:
            self._scanner.cancel()
        tasks = list(self._tasks.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._scanner is not None:
            await asyncio.gather(self._scanner, return_exceptions=True)
        # a clean stop gives the stacks up at once (the next start resumes them)
        with contextlib.suppress(Exception):
            await self.leases.release_all()

    async def drain(self) -> None:
        """Wait for the work under way (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    def run(self, stack_id: str, resumed: bool = False) -> None:
        """Work stack `stack_id` towards the end of its current action."""
        if stack_id in self._tasks:
            return
        task = asyncio.create_task(self._drive(stack_id, resumed),
                                   name=f"orchestration-{stack_id}")
        self._tasks[stack_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(stack_id, None))

    # ------------------------------------------------------------------ driving

    async def _drive(self, stack_id: str, resumed: bool) -> None:
        lease = f"orchestration-stack:{stack_id}"
        if not await self.leases.acquire(lease, self.lease_ttl):
            return      # another live replica works it
        renew = asyncio.create_task(self._renew(lease))
        try:
            stack = await self.store.get(stack_id)
            if stack is None or stack.status != "IN_PROGRESS":
                return
            if resumed:
                LOG.info("resuming stack %s (%s %s)", stack.name, stack.action, stack.status)
            await self._act(stack, resumed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug fails the stack, never leaves it stuck
            LOG.exception("stack %s failed", stack_id)
            stack = await self.store.get(stack_id)
            if stack is not None and stack.status == "IN_PROGRESS":
                await self.store.stack_state(stack_id, stack.action, "FAILED",
                                             f"Internal error: {type(exc).__name__}: {exc}")
        finally:
            renew.cancel()
            await asyncio.gather(renew, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.leases.release(lease)

    async def _renew(self, lease: str) -> None:
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            await self.leases.acquire(lease, self.lease_ttl)

    async def _act(self, stack: Stack, resumed: bool) -> None:
        if stack.action == "CREATE":
            await self._create(stack)
        elif stack.action == "DELETE":
            await self._delete(stack)
        elif stack.action == "ROLLBACK" and stack.new_template is not None:
            # back to the template before a failed update
            if resumed:
                await self.store.stack_state(
                    stack.id, "ROLLBACK", "FAILED",
                    "The orchestration engine restarted while this rollback was in "
                    "progress; run the update again (openstack stack update --existing).",
                    new_template=None)
            else:
                await Updater(self, stack, "ROLLBACK").run()
        elif stack.action == "ROLLBACK":
            await self._rollback(stack)
        elif stack.action == "UPDATE":
            if resumed:
                await self.store.stack_state(
                    stack.id, "UPDATE", "FAILED",
                    "The orchestration engine restarted while this update was in progress; "
                    "run the update again (openstack stack update --existing) to finish it.",
                    new_template=None)
            else:
                await self._update(stack)
        else:
            await self.store.stack_state(stack.id, stack.action, "FAILED",
                                         f"Unknown action {stack.action}")

    def cloud(self, stack: Stack) -> Cloud:
        if self._cloud_for is not None:
            return self._cloud_for(stack)
        return InProcessCloud(self.apps, owner_context(stack.owner,
                                                      f"req-stack-{stack.id[:8]}"))

    def nested(self, stack: Stack) -> Nested | None:
        """The child stacks of `stack` (set by the stack service: `nested_for`)."""
        return None if self.nested_for is None else self.nested_for(stack)

    def _deadline(self, stack: Stack) -> float | None:
        if not stack.timeout_mins or stack.action_started_at is None:
            return None
        end = stack.action_started_at + timedelta(minutes=stack.timeout_mins)
        return max(0.0, (end - utcnow()).total_seconds())

    # ------------------------------------------------------------------ create

    async def _create(self, stack: Stack) -> None:
        t = load(stack.template, stack.environment, stack.files)
        try:
            await self._walk(stack, t, self._create_one, self._deadline(stack))
        except (StepFailed, TimedOut) as exc:
            reason = (f"Resource CREATE failed: {exc.reason}" if isinstance(exc, StepFailed)
                      else f"Create timed out after {stack.timeout_mins} minutes")
            await self.store.stack_state(stack.id, "CREATE", "FAILED", reason)
            if not stack.disable_rollback:
                await self.store.stack_state(stack.id, "ROLLBACK", "IN_PROGRESS",
                                             "Stack ROLLBACK started")
                fresh = await self.store.get(stack.id)
                if fresh is not None:
                    await self._rollback(fresh)
            return
        await self.store.stack_state(stack.id, "CREATE", "COMPLETE",
                                     "Stack CREATE completed successfully")

    async def _walk(self, stack: Stack, t: Template,
                    step: Callable[[Stack, Template, str], Coroutine[Any, Any, None]],
                    timeout: float | None) -> None:
        """Run `step` on every active resource in dependency order, in parallel where the
        graph allows; the first failure stops what has not started."""
        rows = await self.store.resources(stack.id)
        active = t.active(StackResolver(t, stack, rows))
        done = {n for n, a in active.items() if not a}
        started: set[str] = set(done)
        running: dict[asyncio.Task[None], str] = {}
        failure: StepFailed | None = None
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        try:
            while True:
                if failure is None:
                    for name in t.graph.ready(done, started):
                        started.add(name)
                        running[asyncio.create_task(step(stack, t, name))] = name
                if not running:
                    break
                left = None if end is None else max(0.0, end - loop.time())
                finished, _ = await asyncio.wait(running, timeout=left,
                                                 return_when=asyncio.FIRST_COMPLETED)
                if not finished:
                    raise TimedOut()
                for task in finished:
                    name = running.pop(task)
                    exc = task.exception()
                    if exc is None:
                        done.add(name)
                    elif failure is None:
                        failure = exc if isinstance(exc, StepFailed) else \
                            StepFailed(reason_of(name, exc))
        except TimedOut:
            for task, name in running.items():
                task.cancel()
                row = await self._row(stack.id, name)
                if row is not None:
                    await self.store.save_resource(
                        row.id, (row.action, "FAILED"),
                        status_reason=f"{row.action} aborted (timed out)")
            await asyncio.gather(*running, return_exceptions=True)
            raise
        if failure is not None:
            raise failure

    async def _row(self, stack_id: str, name: str) -> StackResource | None:
        rows = await self.store.resources_named(stack_id, {name})
        return rows[0] if rows else None

    async def _resolve(self, stack: Stack, t: Template, name: str) -> dict[str, Any]:
        # the rows of what it names (its requirements) are all its functions can read
        rows = await self.store.resources_named(stack.id, set(t.resources[name].requires))
        ev = t.evaluator(StackResolver(t, stack, rows))
        d = t.resources[name]
        raw = ev.resolve(d.properties, f"resources.{name}.properties")
        cls = registry.TYPES[d.type]
        return check_properties(cls.properties, raw, f"resources.{name}.properties",
                                cls.open_properties, resolved=True)

    async def _create_one(self, stack: Stack, t: Template, name: str) -> None:
        row = await self._row(stack.id, name)
        d = t.resources[name]
        if row is None:
            row = StackResource(id=str(uuid.uuid4()), stack_id=stack.id, name=name,
                                type=d.type, action="INIT", status="COMPLETE",
                                status_reason="", properties={}, data={}, attributes={},
                                metadata_=d.metadata, required_by=[], replaced=False,
                                created_at=utcnow())
            await self.store.add_resource(row)
        if row.action in ("CREATE", "UPDATE") and row.status == "COMPLETE":
            return
        rtype = registry.get(d.type)
        try:
            props = await self._resolve(stack, t, name)
            c = Ctx(self.cloud(stack), stack.name, stack.id, name, row.physical_id, props,
                    dict(row.data or {}), self.nested(stack))
            if row.physical_id is None or row.status == "FAILED":
                if row.physical_id is not None:     # a failed one: start clean
                    await rtype.delete(c)
                    await self._until(lambda: rtype.check_delete_complete(c))
                    c.physical_id = None
                await self.store.save_resource(row.id, ("CREATE", "IN_PROGRESS"),
                                               status_reason="state changed",
                                               properties=props)
                pid = await rtype.create(c)
                c.physical_id = pid
                await self.store.save_resource(row.id, physical_id=pid, data=c.data)
            await self._until(lambda: rtype.check_create_complete(c), row.id, c)
            attrs = await rtype.attributes_of(c)
            await self.store.save_resource(row.id, ("CREATE", "COMPLETE"),
                                           status_reason="state changed", data=c.data,
                                           attributes=jsonable(attrs), properties=props)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the resource and the stack
            reason = reason_of(name, exc)
            await self.store.save_resource(row.id, ("CREATE", "FAILED"),
                                           status_reason=reason)
            raise StepFailed(reason) from None

    async def _until(self, check: Callable[[], Awaitable[bool]], row_id: str | None = None,
                     c: Ctx | None = None) -> None:
        seen = dict(c.data) if c is not None else None
        delay = self.poll
        while not await check():
            if c is not None and row_id is not None and c.data != seen:
                seen = dict(c.data)
                await self.store.save_resource(row_id, data=c.data)
            # backing off: many resources waiting at once must not flood the services
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, max(self.poll, MAX_POLL))
        if c is not None and row_id is not None and c.data != seen:
            await self.store.save_resource(row_id, data=c.data)

    # ------------------------------------------------------------------ delete

    async def _delete(self, stack: Stack) -> None:
        failed = await self._delete_all(stack)
        if failed:
            await self.store.stack_state(stack.id, "DELETE", "FAILED",
                                         f"Resource DELETE failed: {failed}")
            return
        await self.store.stack_state(stack.id, "DELETE", "COMPLETE",
                                     "Stack DELETE completed successfully",
                                     deleted_at=utcnow())

    async def _rollback(self, stack: Stack) -> None:
        failed = await self._delete_all(stack, honour_retain=False)
        if failed:
            await self.store.stack_state(stack.id, "ROLLBACK", "FAILED",
                                         f"Resource DELETE failed: {failed}")
            return
        await self.store.stack_state(stack.id, "ROLLBACK", "COMPLETE",
                                     "Stack ROLLBACK completed successfully")

    async def _delete_all(self, stack: Stack, honour_retain: bool = True) -> str | None:
        """Delete every resource, those that need others first; the first failure's reason
        (the resource that blocks the delete, and why) or None."""
        rows = await self.store.resources(stack.id, with_replaced=True)
        try:
            t: Template | None = load(stack.template, stack.environment, stack.files)
        except NuboError:
            t = None
        requires: dict[str, set[str]] = {r.id: set() for r in rows}
        by_name = {r.name: r.id for r in rows if not r.replaced}
        if t is not None:
            for r in rows:
                d = t.resources.get(r.name)
                if d is not None and not r.replaced:
                    requires[r.id] = {by_name[x] for x in d.requires if x in by_name}
        policies = {r.id: (t.resources[r.name].deletion_policy
                           if t is not None and r.name in t.resources else "Delete")
                    for r in rows}
        from nubo.orchestration.template.deps import Graph
        graph = Graph(requires)
        done: set[str] = set()
        started: set[str] = set()
        running: dict[asyncio.Task[None], StackResource] = {}
        failure: str | None = None
        rows_by_id = {r.id: r for r in rows}
        while True:
            if failure is None:
                for rid in graph.ready_reverse(done, started):
                    started.add(rid)
                    retain = honour_retain and policies[rid] == "Retain"
                    running[asyncio.create_task(self._delete_one(
                        stack, rows_by_id[rid], retain))] = rows_by_id[rid]
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                row = running.pop(task)
                exc = task.exception()
                if exc is None:
                    done.add(row.id)
                elif failure is None:
                    failure = exc.reason if isinstance(exc, StepFailed) else \
                        reason_of(row.name, exc)
        return failure

    async def _delete_one(self, stack: Stack, row: StackResource, retain: bool) -> None:
        if row.action == "DELETE" and row.status == "COMPLETE":
            return
        if row.physical_id is None or retain or row.type not in registry.TYPES:
            await self.store.save_resource(row.id, ("DELETE", "COMPLETE"),
                                           status_reason="Retained" if retain and
                                           row.physical_id else "state changed")
            return
        rtype = registry.get(row.type)
        c = Ctx(self.cloud(stack), stack.name, stack.id, row.name, row.physical_id,
                dict(row.properties or {}), dict(row.data or {}), self.nested(stack))
        try:
            await self.store.save_resource(row.id, ("DELETE", "IN_PROGRESS"),
                                           status_reason="state changed")
            await rtype.delete(c)
            await self._until(lambda: rtype.check_delete_complete(c))
            await self.store.save_resource(row.id, ("DELETE", "COMPLETE"),
                                           status_reason="state changed")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the resource and the stack
            reason = reason_of(row.name, exc)
            await self.store.save_resource(row.id, ("DELETE", "FAILED"),
                                           status_reason=reason)
            raise StepFailed(reason) from None

    # ------------------------------------------------------------------ update

    async def _update(self, stack: Stack) -> None:
        await Updater(self, stack).run()

    # ------------------------------------------------------------------ reads

    async def live_attributes(self, stack: Stack) -> list[StackResource]:
        """The resources with their attributes read now (outputs)."""
        rows = await self.store.resources(stack.id)
        for r in rows:
            if r.physical_id is None or r.type not in registry.TYPES or \
                    r.status == "IN_PROGRESS" or r.action == "DELETE":
                continue
            c = Ctx(self.cloud(stack), stack.name, stack.id, r.name, r.physical_id,
                    dict(r.properties or {}), dict(r.data or {}), self.nested(stack))
            try:
                fresh = jsonable(await registry.get(r.type).attributes_of(c))
            except (ServiceCallFailed, ResourceFailure):
                continue
            if fresh:
                r.attributes = fresh
        return rows


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

