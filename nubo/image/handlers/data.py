"""Image data: upload, download (with ranges), staging and the interoperable import."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.image import errors, schemas
from nubo.image.api import api

#: webob's byte range syntax, which Glance parses the Range header with (one range only).
_RANGE = re.compile(r"bytes *= *(\d*) *- *(\d*)", re.I)


def _range(request: Request, size: int) -> str | None:
    """The request's Range checked as Glance's get_range_from_request does, with its statuses
    and messages, rewritten as the plain `bytes=a-b` Starlette then serves (None: no Range)."""
    raw = request.headers.get("range")
    if raw is None:
        return None
    if "," in raw:
        raise errors.MultipleRangesNotSupported()
    m = _RANGE.match(raw)
    first, last = (m.group(1), m.group(2)) if m else ("", "")
    if not first and not last or (first and last and int(first) > int(last)):
        raise errors.InvalidRange()
    if first and int(first) >= size or not first and size == 0:
        raise errors.InvalidRangeStart(last=size - 1)
    # a suffix (bytes=-N) is the last N bytes, all of them when N is the size or more
    start = int(first) if first else max(size - int(last), 0)
    end = min(int(last), size - 1) if first and last else size - 1
    return f"bytes={start}-{end}"


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
        raise errors.InvalidContentLength() from None
    if n < 0:
        raise errors.InvalidContentLength()
    return n


def _octets(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype != "application/octet-stream":
        raise errors.InvalidContentType(content_type=ctype)


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
    wanted = _range(request, img.size or 0)
    if wanted is not None:      # what Starlette reads: only ever a range Glance accepts
        request.scope["headers"] = [(k, v) for k, v in request.scope["headers"]
                                    if k.lower() != b"range"] + [(b"range", wanted.encode())]
    headers = {"Content-MD5": img.checksum or ""}
    return ImageFileResponse(path, media_type="application/octet-stream", headers=headers)


async def info_import(request: Request) -> Response:
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array",
        "value": ["glance-direct"]}})


async def info_stores(request: Request) -> Response:
    return json_response({"stores": [{"id": "file", "description": "Local file store",
                                      "default": True}]})
