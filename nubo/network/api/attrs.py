"""Neutron's standard attributes (created_at, updated_at, revision_number, description, tags)
for every resource, the If-Match revision precondition, and the tags sub-resource
(`/v2.0/<collection>/<id>/tags[/<tag>]`) for any taggable resource, N2's included: an area
registers its collection in TAGGABLE with a function that checks the caller may see (or
change) the resource."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.core.http import context, json_response, no_content, read_json
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


def check_if_match(request: Request, row: Any) -> None:
    """`If-Match: revision_number=N` makes an update or delete conditional (412 otherwise)."""
    header = request.headers.get("if-match")
    if not header:
        return
    for part in header.split(","):
        mt = _REV.match(part.strip())
        if mt is None:
            raise errors.bad_request("If-Match header must be of the form "
                                     "revision_number=<number>")
        if int(mt.group(1)) != row.revision_number:
            raise errors.revision_mismatch()


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


def valid_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LEN or "," in tag or \
            "/" in tag:
        raise errors.invalid_input(f"'{tag}' is not a valid tag")
    return tag


async def set_tags(session: AsyncSession, kind: str, rid: str, tags: Iterable[str]) -> None:
    await session.execute(delete(m.Tag).where(m.Tag.resource_type == kind,
                                              m.Tag.resource_id == rid))
    for t in sorted({valid_tag(t) for t in tags}):
        session.add(m.Tag(resource_type=kind, resource_id=rid, tag=t))


async def drop_tags(session: AsyncSession, kind: str, rid: str) -> None:
    await session.execute(delete(m.Tag).where(m.Tag.resource_type == kind,
                                              m.Tag.resource_id == rid))


# ---------------------------------------------------------------------------- tag handlers

def _target(request: Request) -> tuple[str, Access, str]:
    coll = request.path_params["collection"]
    entry = TAGGABLE.get(coll)
    if entry is None:
        raise errors.HTTPNotFound(msg="The resource could not be found.")
    return entry[0], entry[1], request.path_params["rid"]


def _db(request: Request) -> Any:
    return request.scope["nubo.state"].db


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


async def tags_list(request: Request) -> Response:
    kind, access, rid = _target(request)
    async with _db(request).read() as s:
        await access(s, context(request), rid, False)
        tags = (await tags_of(s, kind, [rid]))[rid]
    return json_response({"tags": sorted(tags)})


async def tags_replace(request: Request) -> Response:
    kind, access, rid = _target(request)
    body = await read_json(request, {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["tags"]})
    tags = [valid_tag(t) for t in body["tags"]]
    async with _db(request).write() as s:
        await access(s, context(request), rid, True)
        await set_tags(s, kind, rid, tags)
        await _bump(s, kind, rid)
    return json_response({"tags": sorted(set(tags))})


async def tags_clear(request: Request) -> Response:
    kind, access, rid = _target(request)
    async with _db(request).write() as s:
        await access(s, context(request), rid, True)
        await drop_tags(s, kind, rid)
        await _bump(s, kind, rid)
    return no_content()


async def tag_check(request: Request) -> Response:
    kind, access, rid = _target(request)
    tag = request.path_params["tag"]
    async with _db(request).read() as s:
        await access(s, context(request), rid, False)
        if tag not in (await tags_of(s, kind, [rid]))[rid]:
            raise _tag_missing(tag, kind, rid)
    return no_content()


async def tag_add(request: Request) -> Response:
    kind, access, rid = _target(request)
    tag = valid_tag(request.path_params["tag"])
    async with _db(request).write() as s:
        await access(s, context(request), rid, True)
        if await s.get(m.Tag, (kind, rid, tag)) is None:
            s.add(m.Tag(resource_type=kind, resource_id=rid, tag=tag))
            await _bump(s, kind, rid)
    return no_content(201)


async def tag_remove(request: Request) -> Response:
    kind, access, rid = _target(request)
    tag = request.path_params["tag"]
    async with _db(request).write() as s:
        await access(s, context(request), rid, True)
        row = await s.get(m.Tag, (kind, rid, tag))
        if row is None:
            raise _tag_missing(tag, kind, rid)
        await s.delete(row)
        await _bump(s, kind, rid)
    return no_content()
