"""The image API surface (Glance v2), on one screen."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.image.handlers import data, discovery, images, members, tasks
from nubo.image.metadefs.routes import ROUTES as METADEFS

I = "/v2/images/{image_id}"  # noqa: E741

ROUTES: list[Route] = [
    Route("/", "GET", discovery.versions, auth=False),
    Route("/v2", "GET", discovery.v2, auth=False),
    Route("/v2/schemas/image", "GET", discovery.schema_image),
    Route("/v2/schemas/images", "GET", discovery.schema_images),
    Route("/v2/schemas/member", "GET", discovery.schema_member),
    Route("/v2/schemas/members", "GET", discovery.schema_members),
    Route("/v2/info/import", "GET", data.info_import),
    Route("/v2/info/stores", "GET", data.info_stores),
    Route("/v2/images", "GET", images.list_),
    Route("/v2/images", "POST", images.create),
    Route(I, "GET", images.show),
    Route(I, "PATCH", images.update),
    Route(I, "DELETE", images.delete),
    Route(f"{I}/actions/deactivate", "POST", images.deactivate),
    Route(f"{I}/actions/reactivate", "POST", images.reactivate),
    Route(f"{I}/tags/{{tag}}", "PUT", images.add_tag),
    Route(f"{I}/tags/{{tag}}", "DELETE", images.delete_tag),
    Route(f"{I}/file", "PUT", data.upload),
    Route(f"{I}/file", "GET", data.download),
    Route(f"{I}/stage", "PUT", data.stage),
    Route(f"{I}/import", "POST", data.import_),
    Route(f"{I}/tasks", "GET", tasks.list_),
    Route("/v2/tasks", "GET", tasks.index),
    Route("/v2/tasks/{task_id}", "GET", tasks.show),
    Route("/v2/tasks/{task_id}", "DELETE", tasks.delete),
    Route(f"{I}/members", "GET", members.list_),
    Route(f"{I}/members", "POST", members.create),
    Route(f"{I}/members/{{member_id}}", "GET", members.show),
    Route(f"{I}/members/{{member_id}}", "PUT", members.update),
    Route(f"{I}/members/{{member_id}}", "DELETE", members.delete),
    *METADEFS,
]
