"""/types/{type_id}/encryption: a volume type's encryption record (admin), as Cinder's
volume_type_encryption API: show ({} when there is none), one spec, create, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.volume.api.handlers.common import begin, body, param
from nubo.volume.api.schemas import encryption as schemas
from nubo.volume.api.views.common import ts
from nubo.volume.models import VolumeTypeEncryption
from nubo.volume.service.encryption import FIELDS, EncryptionSpec

POLICY = "volume_extension:volume_type_encryption"


def _view(e: VolumeTypeEncryption) -> dict[str, Any]:
    return {"volume_type_id": e.type_id, "encryption_id": e.id, "provider": e.provider,
            "cipher": e.cipher, "key_size": e.key_size,
            "control_location": e.control_location}


async def show(request: Request) -> Response:
    a, _ctx, _v = begin(request, POLICY)
    e = await a.storage.encryption.get(param(request, "type_id"))
    if e is None:
        return json_response({})
    return json_response({**_view(e), "deleted": False, "created_at": ts(e.created_at),
                          "updated_at": ts(e.updated_at), "deleted_at": None})


async def show_item(request: Request) -> Response:
    a, _ctx, _v = begin(request, POLICY)
    key = param(request, "key")
    value = await a.storage.encryption.item(param(request, "type_id"), key)
    return json_response({key: value})


async def create(request: Request) -> Response:
    a, _ctx, _v = begin(request, POLICY)
    spec = (await body(request, schemas.CREATE))["encryption"]
    e = await a.storage.encryption.create(param(request, "type_id"), EncryptionSpec(**spec))
    return json_response({"encryption": _view(e)})


async def update(request: Request) -> Response:
    a, _ctx, _v = begin(request, POLICY)
    spec = (await body(request, schemas.UPDATE))["encryption"]
    await a.storage.encryption.update(param(request, "type_id"), param(request, "key"),
                                      {k: v for k, v in spec.items() if k in FIELDS})
    return json_response({"encryption": spec})


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, POLICY)
    await a.storage.encryption.delete(param(request, "type_id"), param(request, "key"))
    return no_content(202)
