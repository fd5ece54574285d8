"""GET /v2/images/{image_id}/tasks (Glance API 2.12): the tasks that made an image.

Glance lists the import tasks recorded against the image. Nubo's imports (upload, staged
import, glance-direct) run without a task record, and images made by createImage or
createBackup never had one in Glance either, so the list is honestly empty; the point of
the call for clients (Tempest's wait_for_image_tasks_status) is "no task still pending".
An image the caller cannot see is a 404, as in Glance (image_repo.get, then get_image).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.errors import Forbidden, NotFound
from nubo.core.http import context, json_response
from nubo.image.api import api


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    image_id = request.path_params["image_id"]
    try:
        await a.images.get(ctx, image_id)
        a.enforce(ctx, "image:get_image")
    except (NotFound, Forbidden):
        # Glance answers a bare webob 404 here, whether unknown or not permitted
        raise NotFound("The resource could not be found.") from None
    return json_response({"tasks": []})
