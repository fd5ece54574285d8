"""/v2/metadefs/namespaces, /v2/metadefs/resource_types, the namespaces' resource type
associations, and the /v2/schemas/metadefs/* documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.image import errors
from nubo.image.metadefs import schemas, views
from nubo.image.metadefs.handlers.common import (
    READ_ONLY,
    authorize,
    owner,
    read_body,
    readable,
    service,
)
from nubo.image.metadefs.queries import NamespaceQuery

LIST = "/v2/metadefs/namespaces"
#: what a namespace's nested items need beyond adding the namespace itself
NESTED_RULES = {"resource_type_associations": "image:add_metadef_resource_type_association",
                "objects": "image:add_metadef_object",
                "properties": "image:add_metadef_property", "tags": "image:add_metadef_tag"}


async def schema(request: Request) -> Response:
    doc = schemas.DOCUMENTS.get(request.path_params["kind"])
    if doc is None:
        raise errors.MetadefSchemaNotFound()
    return json_response(doc)


async def list_(request: Request) -> Response:
    a, svc, ctx = service(request)
    authorize(a, ctx, "image:get_metadef_namespaces")
    authorize(a, ctx, "image:list_metadef_resource_types")
    q = NamespaceQuery.parse(request.query_params)
    found = await svc.list_namespaces(ctx, q)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "marker"]
    body: dict[str, Any] = {
        "namespaces": [views.namespace(ns, links) for ns, links in found
                       if readable(a, ctx, ns)],
        "first": f"{LIST}?{urlencode(params)}" if params else LIST,
        "schema": "/v2/schemas/metadefs/namespaces"}
    if found and len(found) == q.limit:
        body["next"] = f"{LIST}?{urlencode([*params, ('marker', found[-1][0].namespace)])}"
    return json_response(body)


async def create(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.NAMESPACE_IN, READ_ONLY)
    authorize(a, ctx, "image:add_metadef_namespace")
    for key, rule in NESTED_RULES.items():
        if body.get(key):
            authorize(a, ctx, rule)
    detail = await svc.create_namespace(body, owner(ctx, body))
    return json_response(views.namespace_detail(detail), 201, {
        "Location": f"{a.base_url}{LIST}/{quote(detail.ns.namespace, safe=':')}"})


async def show(request: Request) -> Response:
    a, svc, ctx = service(request)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    for rule in ("image:get_metadef_namespace", "image:list_metadef_resource_types",
                 "image:get_metadef_objects", "image:get_metadef_properties",
                 "image:get_metadef_tags"):
        authorize(a, ctx, rule, ns)
    detail = await svc.show_namespace(ctx, ns.namespace)
    return json_response(views.namespace_detail(detail,
                                                request.query_params.get("resource_type")))


async def update(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.NAMESPACE_IN, READ_ONLY)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    authorize(a, ctx, "image:modify_metadef_namespace", ns)
    updated = await svc.update_namespace(ctx, ns.namespace, body, owner(ctx, body))
    return json_response(views.namespace(updated))


async def delete(request: Request) -> Response:
    a, svc, ctx = service(request)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    authorize(a, ctx, "image:delete_metadef_namespace", ns)
    await svc.delete_namespace(ctx, ns.namespace)
    return no_content()


# ---------------------------------------------------------------------- resource types

async def list_resource_types(request: Request) -> Response:
    a, svc, ctx = service(request)
    authorize(a, ctx, "image:list_metadef_resource_types")
    return json_response({"resource_types": [
        views.resource_type(rt) for rt in await svc.list_resource_types()]})


async def list_associations(request: Request) -> Response:
    a, svc, ctx = service(request)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    authorize(a, ctx, "image:list_metadef_resource_types", ns)
    authorize(a, ctx, "image:get_metadef_resource_type", ns)
    found = await svc.list_associations(ctx, ns.namespace)
    return json_response({"resource_type_associations": [views.association(x)
                                                         for x in found]})


async def associate(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.RESOURCE_TYPE)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    authorize(a, ctx, "image:add_metadef_resource_type_association", ns)
    return json_response(views.association(await svc.associate(ctx, ns.namespace, body)), 201)


async def dissociate(request: Request) -> Response:
    a, svc, ctx = service(request)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    authorize(a, ctx, "image:remove_metadef_resource_type_association", ns)
    await svc.dissociate(ctx, ns.namespace, request.path_params["resource_type"])
    return no_content()
