"""Server tags (/servers/{id}/tags, microversion 2.26) and the tag filters of the server
list (tags, tags-any, not-tags, not-tags-any)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from nubo.compute import errors, states
from nubo.compute.models import Instance
from nubo.compute.models_actions import InstanceTag
from nubo.core.db import Database

MAX_TAGS = 50
#: the states in which Nova lets tags change
TAGGABLE = (states.ACTIVE, states.PAUSED, states.RESCUED, states.RESIZED,
            states.SOFT_DELETED, states.STOPPED, states.SUSPENDED, states.SHELVED,
            states.SHELVED_OFFLOADED)


def check_tag(tag: str) -> None:
    if not 1 <= len(tag) <= 60 or "," in tag or "/" in tag:
        raise errors.InvalidInstanceTag(tag=tag)


class TagService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_tags(self, inst: Instance) -> list[str]:
        async with self.db.read() as s:
            return (await tag_map(s, [inst]))[inst.id]

    async def _seed(self, s: Any, inst: Instance) -> None:
        """Tags given at create (2.52) wait in request_spec; the first change moves them to
        the table, which from then on is the only record."""
        row = await s.get(Instance, inst.id)
        if row is None or "tags" not in (row.request_spec or {}):
            return
        spec = dict(row.request_spec)
        for t in dict.fromkeys(spec.pop("tags") or []):
            if await s.get(InstanceTag, (inst.id, t)) is None:
                s.add(InstanceTag(instance_id=inst.id, tag=t))
        row.request_spec = spec
        await s.flush()

    @staticmethod
    def _check_state(inst: Instance, action: str) -> None:
        if inst.vm_state not in TAGGABLE or inst.task_state is not None:
            attr, state = ("task_state", inst.task_state) if inst.task_state is not None \
                else ("vm_state", inst.vm_state)
            raise errors.InstanceInvalidState(action=action, uuid=inst.id, attr=attr, state=state)

    async def replace(self, inst: Instance, tags: list[str]) -> list[str]:
        self._check_state(inst, "update tags")
        for t in tags:
            check_tag(t)
        unique = list(dict.fromkeys(tags))
        if len(unique) > MAX_TAGS:
            raise errors.TooManyTags(limit=MAX_TAGS)
        async with self.db.write() as s:
            await self._seed(s, inst)
            await s.execute(delete(InstanceTag).where(InstanceTag.instance_id == inst.id))
            for t in unique:
                s.add(InstanceTag(instance_id=inst.id, tag=t))
        return sorted(unique)

    async def add(self, inst: Instance, tag: str) -> bool:
        """True when the tag is new."""
        self._check_state(inst, "update tag")
        check_tag(tag)
        async with self.db.write() as s:
            await self._seed(s, inst)
            if await s.get(InstanceTag, (inst.id, tag)) is not None:
                return False
            count = len(list((await s.execute(select(InstanceTag.tag).where(
                InstanceTag.instance_id == inst.id))).scalars()))
            if count >= MAX_TAGS:
                raise errors.TooManyTags(limit=MAX_TAGS)
            s.add(InstanceTag(instance_id=inst.id, tag=tag))
            return True

    async def has(self, inst: Instance, tag: str) -> None:
        if tag not in await self.list_tags(inst):
            raise errors.InstanceTagNotFound(tag=tag, instance_id=inst.id)

    async def remove(self, inst: Instance, tag: str) -> None:
        self._check_state(inst, "delete tag")
        async with self.db.write() as s:
            await self._seed(s, inst)
            row = await s.get(InstanceTag, (inst.id, tag))
            if row is None:
                raise errors.InstanceTagNotFound(tag=tag, instance_id=inst.id)
            await s.delete(row)

    async def clear(self, inst: Instance) -> None:
        self._check_state(inst, "delete tags")
        async with self.db.write() as s:
            await self._seed(s, inst)
            await s.execute(delete(InstanceTag).where(InstanceTag.instance_id == inst.id))


async def filter_by_tags(s: Any, rows: list[Instance], q: dict[str, Any]) -> list[Instance]:
    """The server list's tag filters, each a comma-separated list (Nova's semantics:
    tags = all of them, tags-any = one of them, not-tags = not all of them, not-tags-any =
    none of them)."""
    wanted = {k: [t for t in str(q[k]).split(",") if t] for k in
              ("tags", "tags-any", "not-tags", "not-tags-any") if q.get(k)}
    if not wanted or not rows:
        return rows
    have = await tag_map(s, rows)

    def keep(r: Instance) -> bool:
        mine = set(have[r.id])
        return (set(wanted.get("tags", [])) <= mine
                and (not wanted.get("tags-any") or bool(mine & set(wanted["tags-any"])))
                and (not wanted.get("not-tags") or not set(wanted["not-tags"]) <= mine)
                and not mine & set(wanted.get("not-tags-any", [])))
    return [r for r in rows if keep(r)]


async def tag_map(s: Any, rows: list[Instance]) -> dict[str, list[str]]:
    """Each instance's tags, sorted: the table's, or the ones given at create while they
    still wait in request_spec."""
    out: dict[str, list[str]] = {r.id: list((r.request_spec or {}).get("tags") or [])
                                 for r in rows}
    ids = [r.id for r in rows if "tags" not in (r.request_spec or {})]
    for i in range(0, len(ids), 500):
        for iid, tag in (await s.execute(select(InstanceTag.instance_id, InstanceTag.tag).where(
                InstanceTag.instance_id.in_(ids[i:i + 500])))).all():
            out[iid].append(tag)
    return {k: sorted(set(v)) for k, v in out.items()}
