"""Image data: upload, download (with ranges), staging and the interoperable import."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from nubo.core.errors import BadRequest, UnsupportedMediaType
from nubo.core.http import context, json_response, no_content, read_json
from nubo.image import schemas
from nubo.image.api import api


class ImageFileResponse(FileResponse):
    #: bigger reads than Starlette's 64 KiB: fewer event-loop round trips per GiB
    chunk_size = 1024 * 1024


def _length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        raise BadRequest("Invalid Content-Length header.") from None
    if n < 0:
        raise BadRequest("Invalid Content-Length header.")
    return n


def _octets(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype != "application/octet-stream":
        raise UnsupportedMediaType(f"Unsupported Content-Type {ctype!r}: image data is sent "
                                   "as application/octet-stream.")


async def upload(request: Request) -> Response:
    a, ctx = api(request), context(request)
    _octets(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:upload_image", {"project_id": current.owner})
    await a.data.upload(ctx, image_id, request.stream(), _length(request))
    return no_content()


async def stage(request: Request) -> Response:
    a, ctx = api(request), context(request)
    _octets(request)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:upload_image", {"project_id": current.owner})
    await a.data.stage(ctx, image_id, request.stream(), _length(request))
    return no_content()


async def import_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.IMPORT, a.max_body)
    image_id = request.path_params["image_id"]
    current = (await a.images.get(ctx, image_id)).image
    a.enforce(ctx, "image:import", {"project_id": current.owner})
    await a.data.start_import(ctx, image_id, body["method"]["name"], body)
    return no_content(202)


async def download(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "image:download_image")
    img, path = await a.data.open(ctx, request.path_params["image_id"])
    if path is None:
        return no_content()
    headers = {"Content-MD5": img.checksum or ""}
    return ImageFileResponse(path, media_type="application/octet-stream", headers=headers)


async def info_import(request: Request) -> Response:
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array",
        "value": ["glance-direct"]}})


async def info_stores(request: Request) -> Response:
    return json_response({"stores": [{"id": "file", "description": "Local file store",
                                      "default": True}]})
