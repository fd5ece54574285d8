"""/qos-specs: QoS specs (admin only, as Cinder): create, list, show, set and delete keys,
delete (force when associated), associate with and disassociate from volume types."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.volume.api.handlers.common import begin, body, flag, param, query
from nubo.volume.api.schemas import qos as schemas
from nubo.volume.api.views.common import links
from nubo.volume.errors import InvalidInput
from nubo.volume.models import QosSpecs


def _view(q: QosSpecs) -> dict[str, Any]:
    return {"id": q.id, "name": q.name, "consumer": q.consumer, "specs": dict(q.specs)}


async def create(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume_extension:qos_specs_manage:create")
    spec = dict((await body(request, schemas.CREATE))["qos_specs"])
    name, consumer = spec.pop("name"), spec.pop("consumer", "back-end")
    q = await a.storage.qos.create(name.strip(), consumer, spec)
    return json_response({"qos_specs": _view(q), "links": links(
        a.base_url + "/v3", ctx.project_id or "", "qos-specs", q.id)})


async def list_(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:get_all")
    return json_response({"qos_specs": [_view(q) for q in await a.storage.qos.list_()]})


async def show(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume_extension:qos_specs_manage:get")
    q = await a.storage.qos.get(param(request, "qos_id"))
    return json_response({"qos_specs": _view(q), "links": links(
        a.base_url + "/v3", ctx.project_id or "", "qos-specs", q.id)})


async def set_keys(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:update")
    specs = dict((await body(request, schemas.SET_KEYS))["qos_specs"])
    await a.storage.qos.set_keys(param(request, "qos_id"), specs)
    return json_response({"qos_specs": specs})


async def delete_keys(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:delete_keys")
    keys = (await body(request, schemas.DELETE_KEYS))["keys"]
    await a.storage.qos.unset_keys(param(request, "qos_id"), list(keys))
    return no_content(202)


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:delete")
    force = flag(query(request).get("force"), "force")
    await a.storage.qos.delete(param(request, "qos_id"), force)
    return no_content(202)


async def associations(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:get_all")
    types = await a.storage.qos.associations(param(request, "qos_id"))
    return json_response({"qos_associations": [
        {"association_type": "volume_type", "id": t.id, "name": t.name} for t in types]})


def _type_id(request: Request) -> str:
    type_id = query(request).get("vol_type_id")
    if not type_id:
        raise InvalidInput(reason="Volume Type id must not be None.")
    return type_id


async def associate(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:update")
    await a.storage.qos.associate(param(request, "qos_id"), _type_id(request))
    return no_content(202)


async def disassociate(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:update")
    await a.storage.qos.disassociate(param(request, "qos_id"), _type_id(request))
    return no_content(202)


async def disassociate_all(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:qos_specs_manage:update")
    await a.storage.qos.disassociate(param(request, "qos_id"), None)
    return no_content(202)
