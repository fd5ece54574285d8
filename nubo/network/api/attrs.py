"""The HTTP side of Neutron's standard attributes: the tags sub-resource
(`/v2.0/<collection>/<id>/tags[/<tag>]`) of any taggable resource, whose transactions are
network/service/ops/tags.py (the data side is network/service/attrs.py, whose pure helpers
are re-exported here for the views)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.network.api.schemas import admin as schemas
from nubo.network.api.wiring import api
from nubo.network.service import attrs as service
from nubo.network.service.attrs import iso, standard, valid_tag
from nubo.network.service.ops import tags as ops

__all__ = ["iso", "standard"]


def _target(request: Request) -> tuple[str, str]:
    coll = request.path_params["collection"]
    service.taggable(coll)
    return coll, request.path_params["rid"]


async def tags_list(request: Request) -> Response:
    coll, rid = _target(request)
    return json_response({"tags": await ops.list_tags(api(request).db, context(request),
                                                      coll, rid)})


async def tags_replace(request: Request) -> Response:
    coll, rid = _target(request)
    body = await read_json(request, schemas.TAGS)
    tags = [valid_tag(t) for t in body["tags"]]
    await ops.replace_tags(api(request).db, context(request), coll, rid, tags)
    return json_response({"tags": sorted(set(tags))})


async def tags_clear(request: Request) -> Response:
    coll, rid = _target(request)
    await ops.clear_tags(api(request).db, context(request), coll, rid)
    return no_content()


async def tag_check(request: Request) -> Response:
    coll, rid = _target(request)
    await ops.check_tag(api(request).db, context(request), coll, rid,
                        request.path_params["tag"])
    return no_content()


async def tag_add(request: Request) -> Response:
    coll, rid = _target(request)
    tag = valid_tag(request.path_params["tag"])
    await ops.add_tag(api(request).db, context(request), coll, rid, tag)
    return no_content(201)


async def tag_remove(request: Request) -> Response:
    coll, rid = _target(request)
    await ops.remove_tag(api(request).db, context(request), coll, rid,
                         request.path_params["tag"])
    return no_content()
