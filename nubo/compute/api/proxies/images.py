"""Compute API: the /images proxy onto the image service (deprecated in 2.36; routes in
../routes.py).

/images and /images/detail (list), /images/{id} (show, delete) exist to 2.35 and
/images/{id}/metadata to 2.38, as in Nova; later microversions get a 404. Nova has no
policy on them: Glance's visibility and ownership decide (404 unseen, 403 not yours).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.proxies.images_ops import ImagesProxy
from nubo.compute.api.proxies.images_views import ImageProxyViews
from nubo.compute.api.schemas import servers as schemas
from nubo.compute.api.wiring import ComputeApi, api
from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content, read_json


def _proxy(request: Request) -> tuple[ComputeApi, RequestContext, ImagesProxy]:
    a = api(request)
    return a, context(request), ImagesProxy(a.servers.images, a.quotas)


def _views(a: ComputeApi) -> ImageProxyViews:
    return ImageProxyViews(a.base_url, a.servers.images.base_url)


async def _list(request: Request, detail: bool) -> Response:
    a, ctx, proxy = _proxy(request)
    found = await proxy.list(ctx, request.query_params)
    return json_response(_views(a).listing(found, detail, request.query_params.multi_items()))


async def index(request: Request) -> Response:
    return await _list(request, False)


async def detail(request: Request) -> Response:
    return await _list(request, True)


async def show(request: Request) -> Response:
    a, ctx, proxy = _proxy(request)
    view = await proxy.get(ctx, request.path_params["image_id"])
    return json_response({"image": _views(a).show(view)})


async def not_found(request: Request) -> Response:
    """DELETE /images (a blank id): Nova has no such route, so a 404 (not a 405)."""
    raise errors.ResourceNotFound()


async def delete(request: Request) -> Response:
    _, ctx, proxy = _proxy(request)
    await proxy.delete(ctx, request.path_params["image_id"])
    return no_content(204)


# ---------------------------------------------------------------------------------- metadata

async def meta_index(request: Request) -> Response:
    _, ctx, proxy = _proxy(request)
    view = await proxy.get(ctx, request.path_params["image_id"])
    return json_response({"metadata": view.properties})


async def meta_show(request: Request) -> Response:
    _, ctx, proxy = _proxy(request)
    view, key = await proxy.get(ctx, request.path_params["image_id"]), request.path_params["key"]
    if key not in view.properties:
        raise errors.ResourceNotFound()
    return json_response({"meta": {key: view.properties[key]}})


async def meta_create(request: Request) -> Response:
    """POST: merge into the properties."""
    a, ctx, proxy = _proxy(request)
    body = await read_json(request, schemas.METADATA_BODY, a.max_body)
    view = await proxy.get(ctx, request.path_params["image_id"])
    merged = {**view.properties, **body["metadata"]}
    await proxy.check_quota(ctx, merged)
    return json_response({"metadata": await proxy.replace(ctx, view, merged)})


async def meta_update_all(request: Request) -> Response:
    """PUT: the properties become the body's."""
    a, ctx, proxy = _proxy(request)
    body = await read_json(request, schemas.METADATA_BODY, a.max_body)
    view = await proxy.get(ctx, request.path_params["image_id"])
    await proxy.check_quota(ctx, body["metadata"])
    await proxy.replace(ctx, view, dict(body["metadata"]))
    return json_response({"metadata": body["metadata"]})


async def meta_update(request: Request) -> Response:
    a, ctx, proxy = _proxy(request)
    body = await read_json(request, schemas.META_ITEM, a.max_body)
    key, meta = request.path_params["key"], body["meta"]
    if key not in meta:
        raise errors.BodyUriMismatch()
    view = await proxy.get(ctx, request.path_params["image_id"])
    merged = {**view.properties, key: meta[key]}
    await proxy.check_quota(ctx, merged)
    await proxy.replace(ctx, view, merged)
    return json_response({"meta": meta})


async def meta_delete(request: Request) -> Response:
    _, ctx, proxy = _proxy(request)
    view, key = await proxy.get(ctx, request.path_params["image_id"]), request.path_params["key"]
    if key not in view.properties:
        raise errors.ImageMetadataKeyNotFound()
    await proxy.replace(ctx, view, {k: v for k, v in view.properties.items() if k != key})
    return no_content(204)

