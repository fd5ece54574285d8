"""Glance's tasks API. GET /v2/images/{image_id}/tasks (API 2.12): the import tasks recorded
against an image (Glance's tasks_get_by_image rows); an image the caller cannot see is a 404,
as in Glance (image_repo.get, then get_image). GET /v2/tasks and /v2/tasks/{task_id}
(deprecated in Glance, still served): admin-only by tasks_api_access, the list as task stubs
(no input/result/message) with Glance's filters (status, type 'import' only), sort and marker.
POST /v2/tasks is not offered: its one task type, `import` from a URL, downloads from outside
(Glance's web-download), which this cloud does not do; DELETE is Glance's 405."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from oslo_utils import uuidutils
from starlette.requests import Request
from starlette.responses import Response

from nubo.core.errors import Forbidden, NotFound
from nubo.core.http import context, json_response
from nubo.image import errors
from nubo.image import models as m
from nubo.image.api import api
from nubo.image.tasks import SORT_KEYS, STATUSES, TaskQuery
from nubo.image.views import ts

#: Glance's limit_param_default / api_limit_max
LIMIT_DEFAULT, LIMIT_MAX = 25, 1000


def _stub(t: m.ImageTask) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "type": t.type, "status": t.status, "owner": t.owner,
                           "created_at": ts(t.created_at), "updated_at": ts(t.updated_at),
                           "self": f"/v2/tasks/{t.id}", "schema": "/v2/schemas/task"}
    if t.expires_at:
        out["expires_at"] = ts(t.expires_at)
    return out


def _full(t: m.ImageTask) -> dict[str, Any]:
    out = {**_stub(t), "input": t.input, "message": t.message, "result": t.result}
    for k in ("image_id", "request_id", "user_id"):
        if getattr(t, k):
            out[k] = getattr(t, k)
    return out


def _row(t: m.ImageTask) -> dict[str, Any]:
    """An image's task as Glance's _task_format gives it (the database row)."""
    return {"id": t.id, "type": t.type, "status": t.status, "owner": t.owner,
            "expires_at": ts(t.expires_at), "created_at": ts(t.created_at),
            "updated_at": ts(t.updated_at), "deleted_at": None, "deleted": False,
            "image_id": t.image_id, "request_id": t.request_id, "user_id": t.user_id,
            "input": t.input, "result": t.result, "message": t.message}


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    try:
        await a.images.get(ctx, image_id)
        a.enforce(ctx, "image:get_image")
    except (NotFound, Forbidden):
        # Glance answers a bare webob 404 here, whether unknown or not permitted
        raise errors.NotFound() from None
    return json_response({"tasks": [_row(t) for t in await a.tasks.of_image(ctx, image_id)]})


def _query(request: Request) -> TaskQuery:
    p = request.query_params
    status, type_ = p.get("status"), p.get("type")
    if status and status not in STATUSES:
        raise errors.InvalidStatusValue(status=status)
    if type_ and type_ != "import":
        raise errors.InvalidTaskType(type=type_)
    sort_key, sort_dir = p.get("sort_key", "created_at"), p.get("sort_dir", "desc")
    if sort_key not in SORT_KEYS:
        raise errors.InvalidSortKey(sort_key=sort_key)
    if sort_dir not in ("asc", "desc"):
        raise errors.InvalidSortDir(sort_dir=sort_dir)
    marker = p.get("marker")
    if marker and not uuidutils.is_uuid_like(marker):
        raise errors.InvalidMarkerFormat()
    try:
        limit = int(p.get("limit", LIMIT_DEFAULT))
    except ValueError:
        raise errors.LimitNotInteger() from None
    if limit < 0:
        raise errors.LimitNotPositive()
    return TaskQuery(status=status, type=type_, sort_key=sort_key, sort_dir=sort_dir,
                     limit=min(limit, LIMIT_MAX), marker=marker)


async def index(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "tasks_api_access")
    q = _query(request)
    found = await a.tasks.list_(ctx, q)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "marker"]
    body: dict[str, Any] = {"tasks": [_stub(t) for t in found], "schema": "/v2/schemas/tasks",
                            "first": "/v2/tasks" + (f"?{urlencode(params)}" if params else "")}
    if found and len(found) == q.limit:
        body["next"] = "/v2/tasks?" + urlencode([*params, ("marker", found[-1].id)])
    return json_response(body)


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "tasks_api_access")
    return json_response(_full(await a.tasks.get(ctx, request.path_params["task_id"])))


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "tasks_api_access")
    raise errors.TaskDeleteNotAllowed()
