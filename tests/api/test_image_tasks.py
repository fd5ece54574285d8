"""GET /v2/images/{image_id}/tasks (Glance 2.12): an image's import tasks, 404 when the
caller cannot see the image."""

from __future__ import annotations

from tests.conftest import Api

G = "/image/v2/images"


async def test_tasks_of_an_image(api: Api) -> None:
    img = await api.ok("POST", G, 201, json={"name": "t", "disk_format": "raw",
                                            "container_format": "bare"})
    assert await api.ok("GET", f"{G}/{img['id']}/tasks") == {"tasks": []}
    r = await api.req("PUT", f"{G}/{img['id']}/file", content=b"x" * 512,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204
    assert await api.ok("GET", f"{G}/{img['id']}/tasks") == {"tasks": []}
    # unknown, malformed, and another project's private image: a 404 alike
    await api.make_project("p2")
    await api.make_user("carol", "pw", "p2")
    carol = await api.token("carol", "pw", "p2")
    for image_id, token in (("00000000-0000-4000-8000-000000000000", None), ("junk", None),
                            (img["id"], carol)):
        r = await api.req("GET", f"{G}/{image_id}/tasks", token=token)
        assert r.status_code == 404, r.text
    assert (await api.req("POST", f"{G}/{img['id']}/tasks")).status_code == 405
