"""What a namespace holds: /v2/metadefs/namespaces/{namespace}/objects, /properties, /tags."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.validation import validate
from nubo.image.metadefs import models as m
from nubo.image.metadefs import schemas, views
from nubo.image.metadefs.handlers.common import READ_ONLY, authorize, flag, read_body, service
from nubo.image.metadefs.queries import TagQuery
from nubo.image.metadefs.service import ContentKind


async def _namespace(request: Request, *rules: str) -> m.MetadefNamespace:
    """The namespace in the path, once the caller may apply `rules` to it."""
    a, svc, ctx = service(request)
    ns = await svc.namespace(ctx, request.path_params["namespace"])
    for rule in rules:
        authorize(a, ctx, rule, ns)
    return ns


async def _delete_all(request: Request, kind: ContentKind) -> Response:
    """Delete all objects, properties or tags: as Glance, this takes the right to delete the
    namespace (and, for tags, to delete tags)."""
    _a, svc, ctx = service(request)
    rules = ["image:delete_metadef_namespace"]
    if kind == "tags":
        rules.append("image:delete_metadef_tags")
    ns = await _namespace(request, *rules)
    await svc.delete_contents(ctx, ns.namespace, kind)
    return no_content()


# ---------------------------------------------------------------------- objects

async def list_objects(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:get_metadef_objects")
    found = await svc.list_objects(ctx, ns.namespace)
    return json_response({"objects": [views.object_(ns.namespace, o) for o in found],
                          "schema": "v2/schemas/metadefs/objects"})


async def create_object(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.OBJECT_IN, READ_ONLY)
    ns = await _namespace(request, "image:add_metadef_object")
    return json_response(views.object_(ns.namespace, await svc.create_object(
        ctx, ns.namespace, body)), 201)


async def show_object(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:get_metadef_object")
    return json_response(views.object_(ns.namespace, await svc.get_object(
        ctx, ns.namespace, request.path_params["object_name"])))


async def update_object(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.OBJECT_IN, READ_ONLY)
    ns = await _namespace(request, "image:modify_metadef_object")
    return json_response(views.object_(ns.namespace, await svc.update_object(
        ctx, ns.namespace, request.path_params["object_name"], body)))


async def delete_object(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:delete_metadef_object")
    await svc.delete_object(ctx, ns.namespace, request.path_params["object_name"])
    return no_content()


async def delete_objects(request: Request) -> Response:
    return await _delete_all(request, "objects")


# ---------------------------------------------------------------------- properties

async def list_properties(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:get_metadef_properties")
    return json_response(views.properties(await svc.list_properties(ctx, ns.namespace)))


async def create_property(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.PROPERTY)
    ns = await _namespace(request, "image:add_metadef_property")
    return json_response(views.property_(await svc.create_property(ctx, ns.namespace, body)),
                         201)


async def show_property(request: Request) -> Response:
    a, svc, ctx = service(request)
    ns = await _namespace(request, "image:get_metadef_property")
    resource_type = request.query_params.get("resource_type")
    if resource_type:
        authorize(a, ctx, "image:get_metadef_resource_type", ns)
    return json_response(views.property_(await svc.get_property(
        ctx, ns.namespace, request.path_params["property_name"], resource_type)))


async def update_property(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.PROPERTY)
    ns = await _namespace(request, "image:modify_metadef_property")
    return json_response(views.property_(await svc.update_property(
        ctx, ns.namespace, request.path_params["property_name"], body)))


async def delete_property(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:remove_metadef_property")
    await svc.delete_property(ctx, ns.namespace, request.path_params["property_name"])
    return no_content()


async def delete_properties(request: Request) -> Response:
    return await _delete_all(request, "properties")


# ---------------------------------------------------------------------- tags

async def list_tags(request: Request) -> Response:
    _a, svc, ctx = service(request)
    q = TagQuery.parse(request.query_params)
    ns = await _namespace(request, "image:get_metadef_tags")
    found = await svc.list_tags(ctx, ns.namespace, q)
    return json_response({"tags": [{"name": t.name} for t in found]})


async def create_tags(request: Request) -> Response:
    """Add several tags: they replace the namespace's tags unless X-Openstack-Append is
    true."""
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.TAGS_CREATE)
    ns = await _namespace(request, "image:add_metadef_tags")
    append = flag(request.headers.get("x-openstack-append"))
    created = await svc.create_tags(ctx, ns.namespace, [t["name"] for t in body["tags"]],
                                    append)
    return json_response({"tags": [{"name": t.name} for t in created]}, 201)


async def create_tag(request: Request) -> Response:
    _a, svc, ctx = service(request)
    name = request.path_params["tag_name"]
    validate(schemas.TAG, {"name": name})
    ns = await _namespace(request, "image:add_metadef_tag")
    created = await svc.create_tags(ctx, ns.namespace, [name], append=True)
    return json_response(views.tag(created[0]), 201)


async def show_tag(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:get_metadef_tag")
    return json_response(views.tag(await svc.get_tag(ctx, ns.namespace,
                                                     request.path_params["tag_name"])))


async def update_tag(request: Request) -> Response:
    a, svc, ctx = service(request)
    body = await read_body(request, a, schemas.TAG)
    ns = await _namespace(request, "image:modify_metadef_tag")
    return json_response(views.tag(await svc.update_tag(
        ctx, ns.namespace, request.path_params["tag_name"], body["name"])))


async def delete_tag(request: Request) -> Response:
    _a, svc, ctx = service(request)
    ns = await _namespace(request, "image:delete_metadef_tag")
    await svc.delete_tag(ctx, ns.namespace, request.path_params["tag_name"])
    return no_content()


async def delete_tags(request: Request) -> Response:
    return await _delete_all(request, "tags")
