"""A stack update: the new template's resources in dependency order, each left alone,
updated in place (every changed property allows it) or replaced (a new one is created, the
old one deleted once the update is done); the resources the new template drops are deleted
last, those that need others first."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol

from nubo.core.db import utcnow
from nubo.orchestration import resources as registry
from nubo.orchestration.engine.stack import load
from nubo.orchestration.engine.steps import StepFailed, TimedOut, jsonable, reason_of
from nubo.orchestration.models import Stack, StackResource
from nubo.orchestration.resources.base import Ctx, Nested
from nubo.orchestration.service.cloud import Cloud
from nubo.orchestration.service.store import Store
from nubo.orchestration.template.template import Template

Step = Callable[[Stack, Template, str], Coroutine[Any, Any, None]]


class Engine(Protocol):
    """What an update uses of the engine (engine.py)."""

    store: Store

    def cloud(self, stack: Stack) -> Cloud: ...

    def _deadline(self, stack: Stack) -> float | None: ...

    def nested(self, stack: Stack) -> Nested | None: ...

    async def _walk(self, stack: Stack, t: Template, step: Step,
                    timeout: float | None) -> None: ...

    async def _row(self, stack_id: str, name: str) -> StackResource | None: ...

    async def _resolve(self, stack: Stack, t: Template, name: str) -> dict[str, Any]: ...

    async def _create_one(self, stack: Stack, t: Template, name: str) -> None: ...

    async def _delete_one(self, stack: Stack, row: StackResource, retain: bool) -> None: ...

    async def _until(self, check: Callable[[], Awaitable[bool]], row_id: str | None = None,
                     c: Ctx | None = None) -> None: ...


def plan(rtype_name: str, old_type: str, old: Mapping[str, Any], new: Mapping[str, Any]
         ) -> str:
    """"none", "update" (in place) or "replace" for a resource whose properties go from
    `old` to `new` (resolved)."""
    if rtype_name != old_type:
        return "replace"
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    if not changed:
        return "none"
    cls = registry.TYPES[rtype_name]
    rtype = cls()
    if rtype.must_replace(old, new):
        return "replace"
    if all(k in cls.properties and cls.properties[k].update_allowed for k in changed) or \
            cls.open_properties:
        return "update"
    return "replace"


class Updater:
    """Moves a stack to `stack.new_template`; `action` is UPDATE, or ROLLBACK when it moves
    back to the template it had before a failed update."""

    def __init__(self, engine: Engine, stack: Stack, action: str = "UPDATE") -> None:
        self.e = engine
        self.stack = stack
        self.action = action

    async def run(self) -> None:
        stack = self.stack
        assert stack.new_template is not None
        new_doc = stack.new_template
        before = {"template": stack.template, "environment": stack.environment,
                  "files": stack.files, "parameters": stack.parameters}
        t = load(new_doc.get("template", {}), new_doc.get("environment"),
                 new_doc.get("files"))
        # the new parameters are what the resources resolve with from here on
        stack = await self.e.store.set_stack(stack.id, parameters=new_doc.get("parameters",
                                                                              {}))
        act = self.action
        try:
            await self.e._walk(stack, t, self._update_one, self.e._deadline(stack))
        except (StepFailed, TimedOut) as exc:
            reason = (f"Resource {act} failed: {exc.reason}" if isinstance(exc, StepFailed)
                      else f"{act.capitalize()} timed out after {stack.timeout_mins} minutes")
            await self.e.store.stack_state(stack.id, act, "FAILED", reason,
                                           template=new_doc.get("template", {}),
                                           environment=new_doc.get("environment") or {},
                                           files=new_doc.get("files") or {},
                                           new_template=None)
            if act == "UPDATE" and not stack.disable_rollback:
                await self._roll_back(stack.id, before)
            return
        # what the new template dropped, and what was replaced
        rows = await self.e.store.resources(stack.id, with_replaced=True)
        for r in rows:
            if r.name not in t.resources and not r.replaced:
                await self.e.store.save_resource(r.id, replaced=True)
        fresh = await self.e.store.set_stack(stack.id, template=new_doc.get("template", {}),
                                             environment=new_doc.get("environment") or {},
                                             files=new_doc.get("files") or {})
        failed = await self._drop_replaced(fresh)
        if failed:
            await self.e.store.stack_state(stack.id, act, "FAILED",
                                           f"Resource DELETE failed: {failed}",
                                           new_template=None)
            return
        await self.e.store.stack_state(stack.id, act, "COMPLETE",
                                       f"Stack {act} completed successfully",
                                       new_template=None)

    async def _roll_back(self, stack_id: str, before: dict[str, Any]) -> None:
        """A failed update with rollback on: back to the template, environment, files and
        parameters the stack had (resources it replaced are replaced again)."""
        await self.e.store.stack_state(stack_id, "ROLLBACK", "IN_PROGRESS",
                                       "Stack ROLLBACK started", new_template=before)
        fresh = await self.e.store.get(stack_id)
        if fresh is not None:
            await Updater(self.e, fresh, "ROLLBACK").run()

    async def _drop_replaced(self, stack: Stack) -> str | None:
        rows = [r for r in await self.e.store.resources(stack.id, with_replaced=True)
                if r.replaced]
        for r in rows:
            try:
                await self.e._delete_one(stack, r, retain=False)
            except Exception as exc:  # noqa: BLE001 - the reason goes on the stack
                return str(getattr(exc, "reason", exc))
            await self.e.store.drop_resource(r.id)
        return None

    async def _update_one(self, stack: Stack, t: Template, name: str) -> None:
        row = await self.e._row(stack.id, name)
        d = t.resources[name]
        if row is None or row.physical_id is None or row.action == "DELETE":
            await self.e._create_one(stack, t, name)
            return
        try:
            props = await self.e._resolve(stack, t, name)
        except Exception as exc:  # noqa: BLE001 - recorded on the resource and the stack
            reason = reason_of(name, exc)
            await self.e.store.save_resource(row.id, ("UPDATE", "FAILED"),
                                             status_reason=reason)
            raise StepFailed(reason) from None
        how = plan(d.type, row.type, row.properties or {}, props)
        if how == "none" and row.status != "FAILED":
            return
        if how == "replace":
            await self.e.store.save_resource(row.id, replaced=True)
            fresh = StackResource(id=str(uuid.uuid4()), stack_id=stack.id, name=name,
                                  type=d.type, action="INIT", status="COMPLETE",
                                  status_reason="", properties={}, data={}, attributes={},
                                  metadata_=d.metadata, required_by=[], replaced=False,
                                  created_at=utcnow())
            await self.e.store.add_resource(fresh)
            await self.e._create_one(stack, t, name)
            return
        rtype = registry.get(d.type)
        c = Ctx(self.e.cloud(stack), stack.name, stack.id, name, row.physical_id, props,
                dict(row.data or {}), self.e.nested(stack))
        try:
            await self.e.store.save_resource(row.id, ("UPDATE", "IN_PROGRESS"),
                                             status_reason="state changed")
            await rtype.update(c, row.properties or {})
            await self.e.store.save_resource(row.id, data=c.data)
            await self.e._until(lambda: rtype.check_update_complete(c), row.id, c)
            attrs = await rtype.attributes_of(c)
            await self.e.store.save_resource(row.id, ("UPDATE", "COMPLETE"),
                                             status_reason="state changed", data=c.data,
                                             properties=props, attributes=jsonable(attrs),
                                             metadata_=d.metadata)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the resource and the stack
            reason = reason_of(name, exc)
            await self.e.store.save_resource(row.id, ("UPDATE", "FAILED"),
                                             status_reason=reason)
            raise StepFailed(reason) from None
