"""What every metadef handler does: find the service, read and check a body, authorize
against a namespace the way Glance does (a namespace you may not read is a 404; one you may
read but not change is a 403)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from starlette.requests import Request

from nubo.core.context import RequestContext
from nubo.core.errors import PolicyNotAuthorized
from nubo.core.http import context, read_json
from nubo.core.validation import validate
from nubo.image import errors
from nubo.image.api import ImageApi, api
from nubo.image.metadefs import models as m
from nubo.image.metadefs.service import MetadefService

GET_NAMESPACE = "image:get_metadef_namespace"
#: attributes a client may not send (Glance answers 403 for these, before validating)
TIMESTAMPS = ("created_at", "updated_at")
READ_ONLY = ("self", "schema", *TIMESTAMPS)

_services: WeakKeyDictionary[ImageApi, MetadefService] = WeakKeyDictionary()


def service(request: Request) -> tuple[ImageApi, MetadefService, RequestContext]:
    """The image API wiring, this process's metadef service on its database, the caller."""
    a = api(request)
    svc = _services.get(a)
    if svc is None:
        svc = _services[a] = MetadefService(a.images.db)
    return a, svc, context(request)


def target(ns: m.MetadefNamespace) -> dict[str, Any]:
    return {"project_id": ns.owner, "visibility": ns.visibility}


def authorize(a: ImageApi, ctx: RequestContext, rule: str,
              ns: m.MetadefNamespace | None = None) -> None:
    """Enforce `rule` on `ns` (or, without one, on the caller's own project)."""
    if ns is None:
        a.enforce(ctx, rule, {"project_id": ctx.project_id})
        return
    if a.policy.allowed(ctx, rule, target(ns)):
        return
    if rule != GET_NAMESPACE and a.policy.allowed(ctx, GET_NAMESPACE, target(ns)):
        raise PolicyNotAuthorized(rule)
    raise errors.MetadefNamespaceNotFound(namespace_name=ns.namespace)


def readable(a: ImageApi, ctx: RequestContext, ns: m.MetadefNamespace) -> bool:
    return a.policy.allowed(ctx, GET_NAMESPACE, target(ns))


async def read_body(request: Request, a: ImageApi, schema: dict[str, Any],
                    read_only: Iterable[str] = TIMESTAMPS) -> dict[str, Any]:
    body = await read_json(request, None, a.max_body)
    if body is None:
        raise errors.BodyExpected()
    if not isinstance(body, dict):
        raise errors.BodyNotObject()
    for key in read_only:
        if key in body:
            raise errors.ReadonlyProperty(property=key)
    validate(schema, body)
    return body


def owner(ctx: RequestContext, body: dict[str, Any]) -> str:
    """Who owns a namespace created or updated with `body` (the caller's project unless an
    admin names another)."""
    who: str | None = body.get("owner") or ctx.project_id
    if who is None:
        raise errors.NamespaceOwnerRequired()
    if who != ctx.project_id and not ctx.is_admin:
        raise errors.ForeignNamespaceOwner()
    return who


def flag(value: str | None) -> bool:
    """A boolean header as oslo's bool_from_string reads it."""
    return (value or "").strip().lower() in ("1", "t", "true", "on", "y", "yes")
