"""/types: volume types, their extra specs and access lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.validation import validate
from nubo.volume import errors
from nubo.volume.api.handlers.common import begin, body, is_admin, param, query
from nubo.volume.api.schemas import volume_types as schemas
from nubo.volume.api.schemas.types_ import to_bool
from nubo.volume.api.views import volume_types as views
from nubo.volume.service.types import DEFAULT_TYPE


async def list_(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume_extension:type_get_all")
    admin = is_admin(a, ctx)
    raw = query(request).get("is_public")
    if raw is None:
        is_public: bool | None = True
    elif raw.lower() == "none":
        is_public = None
    elif raw.lower() in ("true", "false", "1", "0", "yes", "no"):
        is_public = to_bool(raw)
    else:
        raise errors.InvalidInput(reason=f"Invalid is_public filter [{raw}]")
    found = await a.storage.types.list_(None if admin else ctx.project_id,
                                        is_public if admin else None)
    return json_response({"volume_types": [views.detail(t, admin, qos=True) for t in found]})


async def show(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume_extension:type_get")
    admin = is_admin(a, ctx)
    ref = param(request, "type_id")
    if ref == "default":
        found = [t for t in await a.storage.types.list_(None) if t.name == DEFAULT_TYPE]
        return json_response({"volume_type": views.detail(found[0], admin, qos=True)})
    t = await a.storage.types.get(ref, None if admin else ctx.project_id)
    return json_response({"volume_type": views.detail(t, admin, qos=True)})


async def create(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:type_create")
    spec = (await body(request, schemas.CREATE))["volume_type"]
    t = await a.storage.types.create(
        spec["name"].strip(), spec.get("description"),
        to_bool(spec.get("os-volume-type-access:is_public", True)),
        spec.get("extra_specs") or {})
    return json_response({"volume_type": views.detail(t, True)})


async def update(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:type_update")
    spec = (await body(request, schemas.UPDATE))["volume_type"]
    name = spec.get("name")
    if name is not None and not name.strip():
        raise errors.InvalidInput(reason="Volume type name can not be empty.")
    is_public = spec.get("is_public")
    t = await a.storage.types.update(
        param(request, "type_id"), name.strip() if name else None, spec.get("description"),
        None if is_public is None else to_bool(is_public), "description" in spec)
    return json_response({"volume_type": views.detail(t, True, access_attr=False)})


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:type_delete")
    await a.storage.types.delete(param(request, "type_id"))
    return no_content(202)


# ---------------------------------------------------------------------- extra specs

async def specs_index(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:types_extra_specs:index")
    t = await a.storage.types.get(param(request, "type_id"))
    return json_response({"extra_specs": dict(t.extra_specs)})


async def specs_create(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:types_extra_specs:create")
    specs = (await body(request, schemas.EXTRA_SPECS_BODY))["extra_specs"]
    await a.storage.types.set_extra_specs(param(request, "type_id"), specs)
    return json_response({"extra_specs": specs})


async def specs_show(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:types_extra_specs:show")
    key = param(request, "key")
    value = await a.storage.types.extra_spec(param(request, "type_id"), key)
    return json_response({key: value})


async def specs_update(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:types_extra_specs:update")
    key = param(request, "key")
    spec = await body(request, schemas.EXTRA_SPEC_ITEM)
    if key not in spec:
        raise errors.BodyUriMismatch()
    await a.storage.types.set_extra_specs(param(request, "type_id"), spec)
    return json_response(spec)


async def specs_delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:types_extra_specs:delete")
    await a.storage.types.delete_extra_spec(param(request, "type_id"), param(request, "key"))
    return no_content(202)


# ---------------------------------------------------------------------- access

async def access_list(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:volume_type_access")
    tid = param(request, "type_id")
    projects = await a.storage.types.access(tid)
    return json_response({"volume_type_access": [
        {"volume_type_id": tid, "project_id": p} for p in projects]})


async def action(request: Request) -> Response:
    doc = await body(request, {"type": "object", "minProperties": 1, "maxProperties": 1})
    name = next(iter(doc))
    tid = param(request, "type_id")
    if name == "addProjectAccess":
        a, _ctx, _v = begin(request, "volume_extension:volume_type_access:addProjectAccess")
        validate(schemas.ADD_ACCESS, doc)
        await a.storage.types.add_access(tid, doc[name]["project"])
        return no_content(202)
    if name == "removeProjectAccess":
        a, _ctx, _v = begin(request,
                            "volume_extension:volume_type_access:removeProjectAccess")
        validate(schemas.REMOVE_ACCESS, doc)
        await a.storage.types.remove_access(tid, doc[name]["project"])
        return no_content(202)
    raise errors.InvalidAction(action=name)
