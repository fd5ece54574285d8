"""Neutron's standard attributes (created_at, updated_at, revision_number, description, tags)
as data: revisions, the If-Match revision check, and the tags of any taggable resource. An
area registers its collection in TAGGABLE with a function that checks the caller may see (or
change) the resource."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_subnetpools import SubnetPool

#: collection -> (resource type stored in the tag table, access check). The check gets the
#: session, the caller and the id; it raises the resource's 404 when the caller cannot see
#: it and a 403 when `write` and the caller cannot change it.
Access = Callable[[AsyncSession, RequestContext, str, bool], Awaitable[None]]
TAGGABLE: dict[str, tuple[str, Access]] = {}
MAX_TAG_LEN = 255
_REV = re.compile(r"^revision_number=(\d+)$")


def iso(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def standard(row: Any, tags: Iterable[str]) -> dict[str, Any]:
    return {"description": row.description, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at), "revision_number": row.revision_number,
            "tags": sorted(tags)}


def touch(row: Any) -> None:
    """A change to a resource: a new revision and update time."""
    row.revision_number = (row.revision_number or 0) + 1
    row.updated_at = utcnow()


def check_revision(if_match: str | None, row: Any) -> None:
    """`If-Match: revision_number=N` makes an update or delete conditional (412 otherwise)."""
    if not if_match:
        return
    for part in if_match.split(","):
        mt = _REV.match(part.strip())
        if mt is None:
            raise errors.bad_request("If-Match header must be of the form "
                                     "revision_number=<number>")
        if int(mt.group(1)) != row.revision_number:
            raise errors.revision_mismatch()


def valid_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LEN or "," in tag or \
            "/" in tag:
        raise errors.invalid_input(f"'{tag}' is not a valid tag")
    return tag


async def tags_of(session: AsyncSession, kind: str, ids: Iterable[str]) -> dict[str, list[str]]:
    ids = list(ids)
    out: dict[str, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await session.execute(select(m.Tag.resource_id, m.Tag.tag).where(
        m.Tag.resource_type == kind, m.Tag.resource_id.in_(ids)))
    for rid, tag in rows:
        out.setdefault(rid, []).append(tag)
    return out


async def set_tags(session: AsyncSession, kind: str, rid: str, tags: Iterable[str]) -> None:
    await session.execute(delete(m.Tag).where(m.Tag.resource_type == kind,
                                              m.Tag.resource_id == rid))
    for t in sorted({valid_tag(t) for t in tags}):
        session.add(m.Tag(resource_type=kind, resource_id=rid, tag=t))


async def drop_tags(session: AsyncSession, kind: str, rid: str) -> None:
    await session.execute(delete(m.Tag).where(m.Tag.resource_type == kind,
                                              m.Tag.resource_id == rid))


# ------------------------------------------------------------------- the tags sub-resource

def taggable(collection: str) -> tuple[str, Access]:
    entry = TAGGABLE.get(collection)
    if entry is None:
        raise errors.HTTPNotFound(msg="The resource could not be found.")
    return entry


async def _bump(session: AsyncSession, kind: str, rid: str) -> None:
    """A tag change is a change of the resource (Neutron bumps its revision)."""
    model = {"networks": m.Network, "subnets": m.Subnet, "ports": m.Port,
             "subnetpools": SubnetPool}.get(kind)
    if model is not None:
        row = await session.get(model, rid)
        if row is not None:
            touch(row)


def _tag_missing(tag: str, kind: str, rid: str) -> errors.TagNotFound:
    return errors.TagNotFound(tag=tag, resource=kind, resource_id=rid)


async def list_tags(s: AsyncSession, ctx: RequestContext, collection: str,
                    rid: str) -> list[str]:
    kind, access = taggable(collection)
    await access(s, ctx, rid, False)
    return sorted((await tags_of(s, kind, [rid]))[rid])


async def replace_tags(s: AsyncSession, ctx: RequestContext, collection: str, rid: str,
                       tags: list[str]) -> None:
    kind, access = taggable(collection)
    await access(s, ctx, rid, True)
    await set_tags(s, kind, rid, tags)
    await _bump(s, kind, rid)


async def clear_tags(s: AsyncSession, ctx: RequestContext, collection: str, rid: str) -> None:
    kind, access = taggable(collection)
    await access(s, ctx, rid, True)
    await drop_tags(s, kind, rid)
    await _bump(s, kind, rid)


async def check_tag(s: AsyncSession, ctx: RequestContext, collection: str, rid: str,
                    tag: str) -> None:
    kind, access = taggable(collection)
    await access(s, ctx, rid, False)
    if tag not in (await tags_of(s, kind, [rid]))[rid]:
        raise _tag_missing(tag, kind, rid)


async def add_tag(s: AsyncSession, ctx: RequestContext, collection: str, rid: str,
                  tag: str) -> None:
    kind, access = taggable(collection)
    await access(s, ctx, rid, True)
    if await s.get(m.Tag, (kind, rid, tag)) is None:
        s.add(m.Tag(resource_type=kind, resource_id=rid, tag=tag))
        await _bump(s, kind, rid)


async def remove_tag(s: AsyncSession, ctx: RequestContext, collection: str, rid: str,
                     tag: str) -> None:
    kind, access = taggable(collection)
    await access(s, ctx, rid, True)
    row = await s.get(m.Tag, (kind, rid, tag))
    if row is None:
        raise _tag_missing(tag, kind, rid)
    await s.delete(row)
    await _bump(s, kind, rid)
