"""/v2/images/{image_id}/members: sharing with other projects."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.image import schemas, views
from nubo.image.api import api


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "image:get_members")
    found = await a.images.members(ctx, request.path_params["image_id"])
    return json_response({"members": [views.member(x) for x in found],
                          "schema": "/v2/schemas/members"})


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.MEMBER_CREATE, a.max_body)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:add_member", {"project_id": current.owner})
    row = await a.images.add_member(ctx, image_id, body["member"])
    return json_response(views.member(row))


async def show(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    a.enforce(ctx, "image:get_member")
    return json_response(views.member(await a.images.member(ctx, p["image_id"],
                                                            p["member_id"])))


async def update(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    body = await read_json(request, schemas.MEMBER_UPDATE, a.max_body)
    a.enforce(ctx, "image:modify_member", {"member_id": p["member_id"]})
    row = await a.images.set_member_status(ctx, p["image_id"], p["member_id"], body["status"])
    return json_response(views.member(row))


async def delete(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    current = (await a.images.get(ctx, p["image_id"])).image
    a.enforce(ctx, "image:delete_member", {"project_id": current.owner})
    await a.images.delete_member(ctx, p["image_id"], p["member_id"])
    return no_content()
