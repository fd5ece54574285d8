"""The HTTP side of Neutron's standard attributes: the If-Match revision precondition and the
tags sub-resource (`/v2.0/<collection>/<id>/tags[/<tag>]`) of any taggable resource (the data
side is network/service/attrs.py, whose names are re-exported here for the handlers)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.network.api.schemas import admin as schemas
from nubo.network.service import attrs as service
from nubo.network.service.attrs import (
    MAX_TAG_LEN,
    TAGGABLE,
    Access,
    drop_tags,
    iso,
    set_tags,
    standard,
    tags_of,
    touch,
    valid_tag,
)

__all__ = ["MAX_TAG_LEN", "TAGGABLE", "Access", "check_if_match", "drop_tags", "iso",
           "set_tags", "standard", "tags_of", "touch", "valid_tag"]


def check_if_match(request: Request, row: Any) -> None:
    """`If-Match: revision_number=N` makes an update or delete conditional (412 otherwise)."""
    service.check_revision(request.headers.get("if-match"), row)


def _db(request: Request) -> Any:
    return request.scope["nubo.state"].db


def _target(request: Request) -> tuple[str, str]:
    coll = request.path_params["collection"]
    service.taggable(coll)
    return coll, request.path_params["rid"]


async def tags_list(request: Request) -> Response:
    coll, rid = _target(request)
    async with _db(request).read() as s:
        tags = await service.list_tags(s, context(request), coll, rid)
    return json_response({"tags": tags})


async def tags_replace(request: Request) -> Response:
    coll, rid = _target(request)
    body = await read_json(request, schemas.TAGS)
    tags = [valid_tag(t) for t in body["tags"]]
    async with _db(request).write() as s:
        await service.replace_tags(s, context(request), coll, rid, tags)
    return json_response({"tags": sorted(set(tags))})


async def tags_clear(request: Request) -> Response:
    coll, rid = _target(request)
    async with _db(request).write() as s:
        await service.clear_tags(s, context(request), coll, rid)
    return no_content()


async def tag_check(request: Request) -> Response:
    coll, rid = _target(request)
    async with _db(request).read() as s:
        await service.check_tag(s, context(request), coll, rid, request.path_params["tag"])
    return no_content()


async def tag_add(request: Request) -> Response:
    coll, rid = _target(request)
    tag = valid_tag(request.path_params["tag"])
    async with _db(request).write() as s:
        await service.add_tag(s, context(request), coll, rid, tag)
    return no_content(201)


async def tag_remove(request: Request) -> Response:
    coll, rid = _target(request)
    async with _db(request).write() as s:
        await service.remove_tag(s, context(request), coll, rid, request.path_params["tag"])
    return no_content()
