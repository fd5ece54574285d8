"""/os-services (2.1): list with host/binary filters; PUT enable, disable,
disable-log-reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import services as schemas
from nubo.compute.api.validation import read_body
from nubo.compute.api.views import services as views
from nubo.compute.api.wiring import api
from nubo.compute.service.flavors import parse_bool
from nubo.core.http import context, json_response, version
from nubo.core.microversion import APIVersion

P = "os_compute_api:os-services:"


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list")
    q = request.query_params
    found = await a.services.find(q.get("host") or None, q.get("binary") or None)
    ver = version(request)
    return json_response({"services": [views.service(s, ver) for s in found]})


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "update")
    action = request.path_params["action"]
    if version(request) >= APIVersion(2, 53):
        return await _update_by_uuid(request, action)
    forced = action == "force-down" and version(request).matches("2.11")
    if action not in ("enable", "disable", "disable-log-reason") and not forced:
        raise errors.UnknownAction()
    body = await read_body(request, schemas.SERVICE_UPDATE_211 if forced
                           else schemas.SERVICE_UPDATE, a.max_body)
    host, binary = body["host"], body["binary"]
    if forced:
        if "forced_down" not in body:
            raise errors.MissingForcedDown()
        down = parse_bool(body["forced_down"]) is True
        await a.services.update(host, binary, forced_down=down)
        return json_response({"service": {"host": host, "binary": binary,
                                          "forced_down": down}})
    if action == "enable":
        await a.services.update(host, binary, disabled=False, disabled_reason=None)
        return json_response({"service": {"host": host, "binary": binary,
                                          "status": "enabled"}})
    reason = None
    if action == "disable-log-reason":
        if "disabled_reason" not in body:
            raise errors.MissingDisabledReason()
        reason = body["disabled_reason"]
    await a.services.update(host, binary, disabled=True, disabled_reason=reason)
    out = {"host": host, "binary": binary, "status": "disabled"}
    if reason:
        out["disabled_reason"] = reason
    return json_response({"service": out})


UPDATE_253 = {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["enabled", "disabled"]},
    "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
    "forced_down": {"type": "boolean"}}, "additionalProperties": False}


async def _update_by_uuid(request: Request, service_id: str) -> Response:
    """PUT /os-services/{uuid} (2.53): status, disabled_reason and forced_down in one body;
    the answer is the whole service."""
    a = api(request)
    body = await read_body(request, UPDATE_253, a.max_body)
    found = next((s for s in await a.services.find()
                  if views.service_uuid(s.id) == service_id), None)
    if found is None:
        raise errors.ServiceNotFound(service_id=service_id)
    if not body:
        raise errors.ServiceUpdateEmpty()
    if "disabled_reason" in body and body.get("status") != "disabled":
        raise errors.DisabledReasonWhenEnabled()
    values: dict[str, object] = {}
    if "status" in body:
        values["disabled"] = body["status"] == "disabled"
        values["disabled_reason"] = body.get("disabled_reason")
    if "forced_down" in body:
        values["forced_down"] = body["forced_down"]
    await a.services.update(found.host, found.binary, **values)
    ver = version(request)
    fresh = next(s for s in await a.services.find() if s.id == found.id)
    return json_response({"service": views.service(fresh, ver)})
