"""The orchestration tables, read and written for the API and the engine (the only code
that touches them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from nubo.core.db import Database, utcnow
from nubo.orchestration.errors import stack_not_found
from nubo.orchestration.models import Stack, StackEvent, StackResource


@dataclass
class StackFilter:
    project_id: str | None
    names: Sequence[str] = ()
    statuses: Sequence[str] = ()
    actions: Sequence[str] = ()
    ids: Sequence[str] = ()
    tags: Sequence[str] = ()
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    limit: int | None = None
    marker: str | None = None
    show_deleted: bool = False
    #: child stacks (a group's, an OS::Heat::Stack's) are listed only when asked
    show_nested: bool = False


SORT = {"stack_name": Stack.name, "stack_status": Stack.status, "creation_time":
        Stack.created_at, "updated_time": Stack.updated_at, "created_at": Stack.created_at}


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------------ stacks

    async def add_stack(self, stack: Stack, resources: Sequence[StackResource],
                        reason: str) -> None:
        async with self.db.write() as s:
            s.add(stack)
            await s.flush()
            for r in resources:
                s.add(r)
            s.add(_event(stack.id, stack.name, stack.id, "OS::Heat::Stack", stack.action,
                         stack.status, reason))

    async def name_taken(self, project_id: str, name: str) -> bool:
        async with self.db.read() as s:
            found = (await s.execute(select(Stack.id).where(
                Stack.project_id == project_id, Stack.name == name,
                Stack.deleted_at.is_(None)))).first()
        return found is not None

    async def find(self, project_id: str | None, ident: str, deleted: bool = False) -> Stack:
        """A stack of the project by id or by name (the live one of that name)."""
        async with self.db.read() as s:
            q = select(Stack).where((Stack.id == ident) | (Stack.name == ident))
            if project_id is not None:
                q = q.where(Stack.project_id == project_id)
            rows = list((await s.execute(q.order_by(Stack.created_at.desc()))).scalars())
        by_id = [r for r in rows if r.id == ident]
        if by_id and (deleted or by_id[0].deleted_at is None):
            return by_id[0]
        live = [r for r in rows if r.name == ident and r.deleted_at is None]
        if live:
            return live[0]
        raise stack_not_found(ident)

    async def get(self, stack_id: str) -> Stack | None:
        async with self.db.read() as s:
            return await s.get(Stack, stack_id)

    async def list_stacks(self, f: StackFilter) -> list[Stack]:
        async with self.db.read() as s:
            q = select(Stack)
            if not f.show_deleted:
                q = q.where(Stack.deleted_at.is_(None))
            if f.project_id is not None:
                q = q.where(Stack.project_id == f.project_id)
            if f.names:
                q = q.where(Stack.name.in_(f.names))
            if f.ids:
                q = q.where(Stack.id.in_(f.ids))
            if f.statuses:
                q = q.where(Stack.status.in_(f.statuses))
            if f.actions:
                q = q.where(Stack.action.in_(f.actions))
            col: Any = SORT.get(f.sort_key, Stack.created_at)
            first = col.asc() if f.sort_dir == "asc" else col.desc()
            rows = list((await s.execute(q.order_by(first, Stack.id.asc()))).scalars())
        if f.tags:
            rows = [r for r in rows if set(f.tags) <= set(r.tags or [])]
        if not f.show_nested:
            rows = [r for r in rows if not (r.owner or {}).get("nested_in")]
        if f.marker:
            ids = [r.id for r in rows]
            if f.marker not in ids:
                raise stack_not_found(f.marker)
            rows = rows[ids.index(f.marker) + 1:]
        return rows[:f.limit] if f.limit is not None else rows

    async def set_stack(self, stack_id: str, **values: Any) -> Stack:
        async with self.db.write() as s:
            row = await s.get(Stack, stack_id)
            if row is None:
                raise stack_not_found(stack_id)
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
            return row

    async def stack_state(self, stack_id: str, action: str, status: str, reason: str,
                          **values: Any) -> None:
        """The stack's new state and its stack-level event (what `--wait` polls)."""
        async with self.db.write() as s:
            row = await s.get(Stack, stack_id)
            if row is None:
                return
            row.action, row.status, row.status_reason = action, status, reason
            for k, v in values.items():
                setattr(row, k, v)
            if action != "CREATE" or status != "IN_PROGRESS":
                row.updated_at = utcnow()
            s.add(_event(row.id, row.name, row.id, "OS::Heat::Stack", action, status,
                         reason))

    # --------------------------------------------------------------------- resources

    async def resources(self, stack_id: str, with_replaced: bool = False
                        ) -> list[StackResource]:
        async with self.db.read() as s:
            q = select(StackResource).where(StackResource.stack_id == stack_id)
            if not with_replaced:
                q = q.where(StackResource.replaced.is_(False))
            return list((await s.execute(q.order_by(StackResource.created_at,
                                                    StackResource.name))).scalars())

    async def resources_named(self, stack_id: str, names: set[str]) -> list[StackResource]:
        """The live rows of the resources `names` (one resource and what it needs)."""
        if not names:
            return []
        async with self.db.read() as s:
            return list((await s.execute(select(StackResource).where(
                StackResource.stack_id == stack_id, StackResource.name.in_(names),
                StackResource.replaced.is_(False)))).scalars())

    async def add_resource(self, row: StackResource) -> None:
        async with self.db.write() as s:
            s.add(row)

    async def save_resource(self, row_id: str, event: tuple[str, str] | None = None,
                            **values: Any) -> StackResource | None:
        """Update a resource row; `event` (action, status) also records its event."""
        async with self.db.write() as s:
            row = await s.get(StackResource, row_id)
            if row is None:
                return None
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
            if event is not None:
                row.action, row.status = event
                s.add(_event(row.stack_id, row.name, row.physical_id, row.type, event[0],
                             event[1], row.status_reason))
            return row

    async def drop_resource(self, row_id: str) -> None:
        async with self.db.write() as s:
            row = await s.get(StackResource, row_id)
            if row is not None:
                await s.delete(row)

    # ------------------------------------------------------------------------ events

    async def events(self, stack_id: str, resource_name: str | None = None,
                     marker: str | None = None, limit: int | None = None,
                     sort_dir: str = "asc", filters: dict[str, list[str]] | None = None
                     ) -> list[StackEvent]:
        async with self.db.read() as s:
            q = select(StackEvent).where(StackEvent.stack_id == stack_id)
            if resource_name is not None:
                q = q.where(StackEvent.resource_name == resource_name)
            for key, col in (("resource_status", None), ("resource_action", None),
                             ("resource_name", StackEvent.resource_name),
                             ("resource_type", StackEvent.resource_type)):
                vals = (filters or {}).get(key)
                if vals and col is not None:
                    q = q.where(col.in_(vals))
            if marker:
                seq = (await s.execute(select(StackEvent.seq).where(
                    StackEvent.id == marker))).scalar()
                if seq is not None:
                    q = q.where(StackEvent.seq > seq if sort_dir == "asc"
                                else StackEvent.seq < seq)
            q = q.order_by(StackEvent.seq.asc() if sort_dir == "asc" else
                           StackEvent.seq.desc())
            if limit is not None:
                q = q.limit(limit)
            rows = list((await s.execute(q)).scalars())
        f = filters or {}
        if f.get("resource_status"):
            rows = [r for r in rows if r.status in f["resource_status"]
                    or f"{r.action}_{r.status}" in f["resource_status"]]
        if f.get("resource_action"):
            rows = [r for r in rows if r.action in f["resource_action"]]
        return rows

    async def event(self, stack_id: str, event_id: str) -> StackEvent | None:
        async with self.db.read() as s:
            return (await s.execute(select(StackEvent).where(and_(
                StackEvent.stack_id == stack_id, StackEvent.id == event_id)))).scalar()

    async def in_progress(self) -> list[str]:
        async with self.db.read() as s:
            return list((await s.execute(select(Stack.id).where(
                Stack.status == "IN_PROGRESS", Stack.deleted_at.is_(None)))).scalars())

    async def add_signal(self, row_id: str, signal_id: str | None,
                         signal: dict[str, Any]) -> str | None:
        """Record a wait condition handle's signal in its private data (an id given again
        replaces that signal, as Heat's); its id, None when the row is gone."""
        async with self.db.write() as s:
            row = await s.get(StackResource, row_id, with_for_update=True)
            if row is None:
                return None
            data = dict(row.data or {})
            signals = dict(data.get("signals") or {})
            sid = signal_id or str(len(signals) + 1)
            signals[sid] = signal
            data["signals"] = signals
            row.data = data
            s.add(_event(row.stack_id, row.name, row.physical_id, row.type, "SIGNAL",
                         "COMPLETE", f"Signal: status:{signal['status']} "
                                     f"reason:{signal['reason']}"))
            return sid

    async def count(self, project_id: str | None) -> int:
        async with self.db.read() as s:
            q = select(func.count()).select_from(Stack).where(Stack.deleted_at.is_(None))
            if project_id is not None:
                q = q.where(Stack.project_id == project_id)
            return int((await s.execute(q)).scalar() or 0)


def _event(stack_id: str, name: str, physical: str | None, rtype: str, action: str,
           status: str, reason: str) -> StackEvent:
    return StackEvent(id=str(uuid.uuid4()), stack_id=stack_id, resource_name=name,
                      physical_resource_id=physical, resource_type=rtype, action=action,
                      status=status, status_reason=reason, created_at=utcnow())
