"""/stacks: create, list, the name lookup that redirects (302), show, template, environment,
files, update (PUT), patch update (PATCH, --existing), delete, preview, outputs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.orchestration.api import views
from nubo.orchestration.api.handlers.common import (
    admin,
    begin,
    body,
    qbool,
    scope,
    stack_of,
)
from nubo.orchestration.errors import EntityNotFound, HTTPBadRequest, NotSupported
from nubo.orchestration.service.stacks import StackSpec, output_values, template_of
from nubo.orchestration.service.store import StackFilter

CREATE_KEYS = {"stack_name", "template", "template_url", "parameters", "files",
               "environment", "environment_files", "disable_rollback", "timeout_mins",
               "tags", "adopt_stack_data", "clear_parameters", "existing", "converge",
               "files_container", "rollback"}


def _int(v: Any, name: str) -> int | None:
    if v is None or v == "":
        return None
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise HTTPBadRequest(msg=f"Only integer is acceptable by '{name}'.") from None
    if n < 0:
        raise HTTPBadRequest(msg=f"Only non-negative integer is acceptable by '{name}'.")
    return n


def spec_of(doc: dict[str, Any], name_required: bool) -> StackSpec:
    unknown = set(doc) - CREATE_KEYS
    if unknown:
        raise HTTPBadRequest(msg=f"Unknown keys in the request body: {sorted(unknown)}")
    if doc.get("adopt_stack_data"):
        raise NotSupported(feature="Stack adopt")
    if doc.get("files_container"):
        raise NotSupported(feature="files_container (Swift)")
    if name_required and not doc.get("stack_name"):
        raise HTTPBadRequest(msg="No stack name specified")
    for key, kind in (("stack_name", str), ("template_url", str), ("tags", (str, list)),
                      ("environment_files", list), ("clear_parameters", list)):
        if doc.get(key) is not None and not isinstance(doc[key], kind):
            raise HTTPBadRequest(msg=f'"{key}" has the wrong type')
        if isinstance(doc.get(key), list) and not all(isinstance(x, str) for x in doc[key]):
            raise HTTPBadRequest(msg=f'"{key}" must be a list of strings')
    params = doc.get("parameters")
    params = {} if params is None else params
    files = doc.get("files")
    files = {} if files is None else files
    if not isinstance(params, dict) or not isinstance(files, dict):
        raise HTTPBadRequest(msg='"parameters" and "files" must be maps')
    tags = doc.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    rollback = doc.get("disable_rollback", True)
    if "rollback" in doc:
        rollback = not qbool(str(doc["rollback"]), "rollback")
    return StackSpec(
        name=doc.get("stack_name"), template=doc.get("template"),
        template_url=doc.get("template_url"), parameters=dict(params),
        environment=doc.get("environment"),
        environment_files=list(doc.get("environment_files") or []), files=dict(files),
        timeout_mins=_int(doc.get("timeout_mins"), "timeout_mins"),
        disable_rollback=qbool(str(rollback), "disable_rollback"), tags=list(tags),
        clear_parameters=list(doc.get("clear_parameters") or []),
        rollback_given="disable_rollback" in doc or "rollback" in doc)


async def create(request: Request) -> Response:
    a, ctx = begin(request, "stacks:create")
    spec = spec_of(await body(request), True)
    stack = await a.stacks.create(ctx, spec)
    view = {"id": stack.id, "links": views.links(a.base_url, stack)}
    return json_response({"stack": view}, 201,
                         {"Location": views.stack_url(a.base_url, stack)})


async def list_(request: Request) -> Response:
    return await _list(request, "stacks:index")


async def list_detail(request: Request) -> Response:
    return await _list(request, "stacks:detail")


async def _list(request: Request, action: str) -> Response:
    a, ctx = begin(request, action)
    q = request.query_params
    is_admin = admin(a, ctx)
    glob = qbool(q.get("global_tenant"), "global_tenant")
    if glob:
        a.enforce(ctx, "stacks:global_index", {"project_id": ctx.project_id})
    statuses = q.getlist("status") + q.getlist("stack_status")
    f = StackFilter(project_id=None if glob else scope(a, ctx, request),
                    names=q.getlist("name") + q.getlist("stack_name"),
                    statuses=[s.rsplit("_", 1)[-1] if "_" in s and s.split("_")[0] in (
                        "CREATE", "UPDATE", "DELETE", "ROLLBACK") else s for s in statuses],
                    actions=q.getlist("action"), ids=q.getlist("id"),
                    tags=[t for v in q.getlist("tags") for t in v.split(",") if t],
                    sort_key=q.get("sort_keys", q.get("sort_key", "created_at")),
                    sort_dir=q.get("sort_dir", "desc"),
                    limit=_int(q.get("limit"), "limit"), marker=q.get("marker"),
                    show_deleted=qbool(q.get("show_deleted"), "show_deleted"),
                    show_nested=qbool(q.get("show_nested"), "show_nested"))
    if f.sort_dir not in ("asc", "desc"):
        raise HTTPBadRequest(msg='Unknown sort direction, must be one of: asc, desc')
    rows = await a.store.list_stacks(f)
    out: dict[str, Any] = {"stacks": [views.summary(a.base_url, s, is_admin or glob)
                                      for s in rows]}
    if qbool(q.get("with_count"), "with_count"):
        out["count"] = len(rows) if f.limit is None else await a.store.count(f.project_id)
    return json_response(out)


async def lookup(request: Request) -> Response:
    """Heat's stacks:lookup: /stacks/{name or id}[/rest] answers 302 to the stack's
    canonical URL /stacks/{name}/{id}[/rest] (clients rely on it)."""
    a, ctx = begin(request, "stacks:lookup")
    p = request.path_params
    stack = await a.store.find(scope(a, ctx, request), p["stack_name"])
    rest = request.url.path.split(f"/stacks/{p['stack_name']}", 1)[1]
    location = views.stack_url(a.base_url, stack) + rest
    if request.url.query:
        location += "?" + request.url.query
    return Response(status_code=302, headers={"Location": location})


async def show(request: Request) -> Response:
    a, ctx = begin(request, "stacks:show")
    stack = await stack_of(request, a, ctx)
    t = template_of(stack) if stack.deleted_at is None else None
    outputs = None
    if qbool(request.query_params.get("resolve_outputs"), "resolve_outputs", True) and \
            t is not None and stack.status != "IN_PROGRESS":
        rows = await a.engine.live_attributes(stack)
        outputs = output_values(t, stack, rows)
    return json_response({"stack": views.detail(a.base_url, stack, t, outputs,
                                                admin(a, ctx))})


async def template(request: Request) -> Response:
    a, ctx = begin(request, "stacks:template")
    return json_response((await stack_of(request, a, ctx)).template)


async def environment(request: Request) -> Response:
    a, ctx = begin(request, "stacks:environment")
    return json_response((await stack_of(request, a, ctx)).environment)


async def files(request: Request) -> Response:
    a, ctx = begin(request, "stacks:files")
    return json_response((await stack_of(request, a, ctx)).files or {})


async def update(request: Request) -> Response:
    return await _update(request, "stacks:update", existing=False)


async def patch(request: Request) -> Response:
    return await _update(request, "stacks:update_patch", existing=True)


async def _update(request: Request, action: str, existing: bool) -> Response:
    a, ctx = begin(request, action)
    stack = await stack_of(request, a, ctx)
    if stack.deleted_at is not None:
        raise EntityNotFound(entity="Stack", name=stack.name)
    spec = spec_of(await body(request), False)
    spec.existing = existing
    await a.stacks.update(ctx, stack, spec)
    return no_content(202)


async def delete(request: Request) -> Response:
    a, ctx = begin(request, "stacks:delete")
    stack = await stack_of(request, a, ctx)
    if stack.deleted_at is not None:
        raise EntityNotFound(entity="Stack", name=stack.name)
    await a.stacks.delete(stack)
    return no_content(204)


async def preview(request: Request) -> Response:
    a, ctx = begin(request, "stacks:preview")
    spec = spec_of(await body(request), True)
    t, values = a.stacks.check(spec, None, "None", spec.name or "", ctx.project_id or "")
    resources = [{"resource_name": n, "resource_type": d.type, "logical_resource_id": n,
                  "physical_resource_id": "", "resource_action": "INIT",
                  "resource_status": "COMPLETE", "resource_status_reason": "",
                  "properties": d.properties, "required_by":
                      sorted(t.graph.required_by.get(n, ())), "stack_name": spec.name,
                  "metadata": d.metadata, "description": ""}
                 for n, d in t.resources.items()]
    view = {"stack_name": spec.name, "id": "None", "description": t.description,
            "template_description": t.description, "parameters": values,
            "disable_rollback": spec.disable_rollback, "timeout_mins": spec.timeout_mins,
            "capabilities": [], "notification_topics": [], "links": [],
            "creation_time": None, "updated_time": None, "stack_owner": None,
            "parent": None, "resources": resources}
    return json_response({"stack": view})


async def preview_update(request: Request) -> Response:
    a, ctx = begin(request, "stacks:preview_update")
    stack = await stack_of(request, a, ctx)
    spec = spec_of(await body(request), False)
    spec.existing = request.method == "PATCH"
    if spec.existing and spec.template is None:
        spec.template = stack.template
        spec.parameters = {**(stack.parameters or {}), **spec.parameters}
    changes = await a.stacks.preview_update(stack, spec)
    return json_response({"resource_changes": changes})


async def outputs(request: Request) -> Response:
    a, ctx = begin(request, "stacks:list_outputs")
    stack = await stack_of(request, a, ctx)
    t = template_of(stack)
    return json_response({"outputs": [
        {"output_key": k, "description": v.get("description", "No description given")}
        for k, v in t.outputs.items()]})


async def output(request: Request) -> Response:
    a, ctx = begin(request, "stacks:show_output")
    stack = await stack_of(request, a, ctx)
    t = template_of(stack)
    key = request.path_params["output_key"]
    if key not in t.outputs:
        raise EntityNotFound(entity="Output", name=key)
    rows = await a.engine.live_attributes(stack)
    found = [o for o in output_values(t, stack, rows) if o["output_key"] == key]
    return json_response({"output": found[0]})
