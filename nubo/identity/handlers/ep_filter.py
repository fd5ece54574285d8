"""OS-EP-FILTER associations (Keystone's keystone/api/os_ep_filter.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity.handlers.common import api

EPF = "OS-EP-FILTER"


async def list_projects_for_endpoint(request: Request) -> Response:
    a, eid = api(request), request.path_params["endpoint_id"]
    a.enforce(context(request), "identity:list_projects_for_endpoint")
    found = await a.ep_filter.projects_for_endpoint(eid)
    return json_response(a.views.collection("projects", [a.views.project(p) for p in found],
                                            f"{EPF}/endpoints/{eid}/projects"))


async def check_endpoint_in_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:check_endpoint_in_project")
    await a.ep_filter.check_endpoint(p["project_id"], p["endpoint_id"])
    return no_content()


async def add_endpoint_to_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:add_endpoint_to_project")
    await a.ep_filter.add_endpoint(p["project_id"], p["endpoint_id"])
    return no_content()


async def remove_endpoint_from_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:remove_endpoint_from_project")
    await a.ep_filter.remove_endpoint(p["project_id"], p["endpoint_id"])
    return no_content()


async def list_endpoints_for_project(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    a.enforce(context(request), "identity:list_endpoints_for_project")
    found = await a.ep_filter.endpoints_for_project(pid)
    return json_response(a.views.collection("endpoints", [a.views.endpoint(e) for e in found],
                                            f"{EPF}/projects/{pid}/endpoints"))


async def list_endpoint_groups_for_project(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    a.enforce(context(request), "identity:list_endpoint_groups_for_project")
    found = await a.ep_filter.groups_for_project(pid)
    return json_response(a.views.collection(
        "endpoint_groups", [a.views.endpoint_group(g) for g in found],
        f"{EPF}/projects/{pid}/endpoint_groups"))


async def list_projects_for_group(request: Request) -> Response:
    a, gid = api(request), request.path_params["endpoint_group_id"]
    a.enforce(context(request), "identity:list_projects_associated_with_endpoint_group")
    found = await a.ep_filter.projects_for_group(gid)
    return json_response(a.views.collection("projects", [a.views.project(p) for p in found],
                                            f"{EPF}/endpoint_groups/{gid}/projects"))


async def list_endpoints_for_group(request: Request) -> Response:
    a, gid = api(request), request.path_params["endpoint_group_id"]
    a.enforce(context(request), "identity:list_endpoints_associated_with_endpoint_group")
    found = await a.ep_filter.endpoints_for_group(gid)
    return json_response(a.views.collection("endpoints", [a.views.endpoint(e) for e in found],
                                            f"{EPF}/endpoint_groups/{gid}/endpoints"))


async def get_group_in_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:get_endpoint_group_in_project")
    gid, pid = p["endpoint_group_id"], p["project_id"]
    await a.ep_filter.get_group_in_project(gid, pid)
    return json_response({"project_endpoint_group": {
        "endpoint_group_id": gid, "project_id": pid,
        "links": a.views.link(f"{EPF}/endpoint_groups/{gid}/projects/{pid}")}})


async def add_group_to_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:add_endpoint_group_to_project")
    await a.ep_filter.add_group(p["endpoint_group_id"], p["project_id"])
    return no_content()


async def remove_group_from_project(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:remove_endpoint_group_from_project")
    await a.ep_filter.remove_group(p["endpoint_group_id"], p["project_id"])
    return no_content()
