"""Versions, /validate, /resource_types, /template_versions, /build_info, /services, and the
parts of Heat's API that come in a later step (a clear 400 each)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.orchestration import resources as registry
from nubo.orchestration.api.handlers.common import begin, body
from nubo.orchestration.api.handlers.stacks import spec_of
from nubo.orchestration.api.wiring import api
from nubo.orchestration.errors import EntityNotFound, NotSupported
from nubo.orchestration.template import versions


async def root(request: Request) -> Response:
    base = api(request).base_url
    return json_response({"versions": [{"id": "v1.0", "status": "CURRENT", "links": [
        {"href": f"{base}/v1/", "rel": "self"}]}]}, 300)


async def validate(request: Request) -> Response:
    a, ctx = begin(request, "stacks:validate_template")
    doc = await body(request)
    doc.pop("show_nested", None)
    doc.pop("ignore_errors", None)
    spec = spec_of(doc, False)
    from nubo.orchestration.engine.stack import load
    from nubo.orchestration.service.stacks import _template_doc, environment_of
    env = environment_of(spec)
    t = load(_template_doc(spec), env, spec.files)
    params = t.parameter_view()
    for k, v in {**env.parameters, **spec.parameters}.items():
        if k in params:
            params[k]["Value"] = v
    out = {"Description": t.description or "No description", "Parameters": params,
           "Environment": env.as_dict()}
    if getattr(t, "parameter_groups", None):
        out["ParameterGroups"] = t.parameter_groups
    return json_response(out)


async def resource_types(request: Request) -> Response:
    begin(request, "resource_types:list")
    q = request.query_params
    names = sorted(registry.TYPES)
    if q.get("name"):
        names = [n for n in names if q["name"] in n]
    if q.get("with_description", "").lower() in ("true", "1"):
        return json_response({"resource_types": [
            {"resource_type": n, "description": (registry.TYPES[n].__doc__ or "").strip()}
            for n in names]})
    return json_response({"resource_types": names})


async def resource_type(request: Request) -> Response:
    begin(request, "resource_types:show")
    name = request.path_params["type_name"]
    if name not in registry.TYPES or registry.is_template(name):
        raise EntityNotFound(entity="Resource Type", name=name)
    return json_response(registry.schema_view(name))


async def template_versions(request: Request) -> Response:
    begin(request, "template_versions:index")
    out = [{"version": f"heat_template_version.{v}", "type": "hot",
            "aliases": [f"heat_template_version.{k}" for k, d in versions.ALIASES.items()
                        if d == v]} for v in versions.VERSIONS]
    return json_response({"template_versions": out})


async def template_functions(request: Request) -> Response:
    begin(request, "template_versions:functions")
    raw = request.path_params["template_version"]
    v = raw.split(".", 1)[1] if raw.startswith("heat_template_version.") else raw
    v = versions.ALIASES.get(v, v)
    if v not in versions.VERSIONS:
        raise EntityNotFound(entity="Template", name=raw)
    cond = request.query_params.get("with_condition_func", "").lower() in ("true", "1")
    names = versions.condition_functions(v) if cond else versions.functions(v)
    return json_response({"template_functions": [
        {"functions": n, "description": f"The {n} function."} for n in sorted(names)]})


async def build_info(request: Request) -> Response:
    begin(request, "build_info:build_info")
    return json_response({"api": {"revision": "nubo"}, "engine": {"revision": "nubo"}})


async def services(request: Request) -> Response:
    a, ctx = begin(request, "service:index")
    return json_response({"services": []})


async def later(request: Request) -> Response:
    """A part of Heat's API this cloud does not have yet."""
    begin(request, "stacks:show")
    path = request.url.path
    what = next((w for w in ("actions", "abandon", "export", "snapshots", "signal",
                             "software_configs", "software_deployments", "template")
                 if f"/{w}" in path), "this call")
    raise NotSupported(feature=f"{request.method} .../{what} (stack actions, abandon and "
                               "adopt, snapshots, signals, software configs and deployments "
                               "come in a later step of this cloud)")
