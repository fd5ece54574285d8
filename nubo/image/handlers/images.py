"""/v2/images: create, list, show, update (JSON patch), delete, (de)activate, tags."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, parse_json, read_body, read_json
from nubo.core.validation import validate
from nubo.image import errors, schemas, views
from nubo.image.api import api
from nubo.image.listing import ListQuery
from nubo.image.service import READ_ONLY

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch",
               "application/openstack-images-v2.0-json-patch")


def _refuse_reserved(keys: Any) -> None:
    for key in keys:
        if key in READ_ONLY:
            raise errors.ReadonlyProperty(property=key)
        if isinstance(key, str) and key.startswith("os_glance"):
            raise errors.ReservedProperty(property=key)


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, None, a.max_body)
    if not isinstance(body, dict):
        raise errors.ImageBodyNotObject()
    _refuse_reserved(body)
    validate(schemas.IMAGE_CREATE, body)
    a.enforce(ctx, "image:add_image", {"project_id": body.get("owner") or ctx.project_id})
    if body.get("visibility") == "public":
        a.enforce(ctx, "image:publicize_image")
    if body.get("visibility") == "community":
        a.enforce(ctx, "image:communitize_image", {"project_id": ctx.project_id})
    if body.get("owner") and body["owner"] != ctx.project_id and not ctx.is_admin:
        raise errors.ForeignOwnerForbidden()
    view = await a.images.create(ctx, body)
    return json_response(views.image(view), 201,
                         {"Location": f"{a.base_url}/v2/images/{view.image.id}"})


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "image:get_images")
    q = ListQuery(request.query_params)
    found = await a.images.list_images(ctx, q)
    body: dict[str, Any] = {"images": [views.image(v) for v in found],
                            "first": "/v2/images", "schema": "/v2/schemas/images"}
    if q.limit and len(found) == q.limit:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "marker"]
        params.append(("marker", found[-1].image.id))
        body["next"] = "/v2/images?" + urlencode(params)
    return json_response(body)


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "image:get_image")
    return json_response(views.image(await a.images.get(ctx, request.path_params["image_id"])))


def _normalize(item: Any) -> Any:
    """Glance also takes the older form {"replace": "/name", "value": ...}."""
    if isinstance(item, dict) and "op" not in item:
        ops = [k for k in ("add", "remove", "replace") if k in item]
        if len(ops) == 1:
            out = {"op": ops[0], "path": item[ops[0]]}
            if "value" in item:
                out["value"] = item["value"]
            return out
    return item


def _patch_ops(body: Any) -> list[tuple[str, str, Any]]:
    if isinstance(body, list):
        body = [_normalize(i) for i in body]
    validate(schemas.PATCH, body)
    ops = []
    for item in body:
        parts = item["path"][1:].split("/")
        if len(parts) != 1 or not parts[0]:
            if parts[0] == "locations":
                raise errors.LocationsForbidden()
            raise errors.InvalidJsonPatchPath(path=item["path"])
        attr = parts[0].replace("~1", "/").replace("~0", "~")
        _refuse_reserved([attr])
        if attr == "id":
            raise errors.ReadonlyProperty(property="id")
        if item["op"] == "remove":
            ops.append(("remove", attr, None))
            continue
        if "value" not in item:
            raise errors.MissingJsonPatchValue(op=item["op"], path=item["path"])
        schema = schemas.IMAGE_PROPERTIES.get(attr, schemas.PROPERTY_VALUE)
        validate({"type": "object", "properties": {attr: schema}}, {attr: item["value"]})
        ops.append((item["op"], attr, item["value"]))
    return ops


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype not in PATCH_TYPES:
        raise errors.InvalidPatchContentType(content_type=ctype, expected=PATCH_TYPES[0])
    raw = await read_body(request, a.max_body)
    body = parse_json(raw)
    ops = _patch_ops(body)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:modify_image", {"project_id": current.owner})
    for _op, attr, value in ops:
        if attr == "visibility" and value == "public":
            a.enforce(ctx, "image:publicize_image")
    view = await a.images.update(ctx, image_id, ops)
    return json_response(views.image(view))


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:delete_image", {"project_id": current.owner})
    await a.images.delete(ctx, image_id)
    return no_content()


async def deactivate(request: Request) -> Response:
    return await _set_active(request, False)


async def reactivate(request: Request) -> Response:
    return await _set_active(request, True)


async def _set_active(request: Request, active: bool) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:reactivate" if active else "image:deactivate",
              {"project_id": current.owner})
    await a.images.set_active(ctx, image_id, active)
    return no_content()


def _tag(request: Request) -> str:
    tag: str = request.path_params["tag"]
    if not tag or len(tag) > 255:
        raise errors.InvalidImageTag()
    return tag


async def add_tag(request: Request) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:modify_image", {"project_id": current.owner})
    await a.images.add_tag(ctx, image_id, _tag(request))
    return no_content()


async def delete_tag(request: Request) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:modify_image", {"project_id": current.owner})
    await a.images.delete_tag(ctx, image_id, _tag(request))
    return no_content()
