"""Glance's tasks for the imports Nubo runs (issue 19): images.import_image records an
`api_image_import` task (input image_id/import_req/backend, owner, user and request ids) that
ends in success with result {"image_id": ...} (or failure with a message); GET /v2/tasks
(task stubs, filters status and type 'import' only) and GET /v2/tasks/{id} (the full task) are
admin-only by tasks_api_access; an image's tasks list the rows (tasks_get_by_image);
DELETE /v2/tasks/{id} is Glance's 405."""

from __future__ import annotations

from tests.conftest import Api

I = "/image/v2/images"  # noqa: E741
T = "/image/v2/tasks"
OCTETS = {"Content-Type": "application/octet-stream"}


async def _import(api: Api, data: bytes) -> str:
    img = await api.ok("POST", I, 201, json={"name": "t", "disk_format": "raw",
                                            "container_format": "bare"})
    r = await api.req("PUT", f"{I}/{img['id']}/stage", content=data, headers=OCTETS)
    assert r.status_code == 204
    await api.ok("POST", f"{I}/{img['id']}/import", 202,
                 json={"method": {"name": "glance-direct"}})
    await api.node.controller.image.data.wait_imports()
    return str(img["id"])


async def test_import_records_a_task(api: Api) -> None:
    image_id = await _import(api, b"x" * 1024)
    [row] = (await api.ok("GET", f"{I}/{image_id}/tasks"))["tasks"]
    assert row["type"] == "api_image_import" and row["status"] == "success"
    assert row["image_id"] == image_id and row["result"] == {"image_id": image_id}
    assert row["input"]["import_req"] == {"method": {"name": "glance-direct"}}
    assert row["deleted"] is False and row["expires_at"]
    listed = await api.ok("GET", T)
    assert [t["id"] for t in listed["tasks"]] == [row["id"]]
    assert "input" not in listed["tasks"][0] and listed["schema"] == "/v2/schemas/tasks"
    task = await api.ok("GET", f"{T}/{row['id']}")
    assert task["status"] == "success" and task["self"] == f"/v2/tasks/{row['id']}"
    assert task["image_id"] == image_id and task["input"]["image_id"] == image_id
    assert (await api.ok("GET", f"{T}?status=success"))["tasks"][0]["id"] == row["id"]
    assert (await api.ok("GET", f"{T}?status=failure"))["tasks"] == []
    for bad in ("status=done", "type=api_image_import", "limit=x", "marker=junk",
                "sort_dir=up"):
        assert (await api.req("GET", f"{T}?{bad}")).status_code == 400, bad
    assert (await api.req("GET", f"{T}/00000000-0000-4000-8000-000000000000")
            ).status_code == 404
    assert (await api.req("DELETE", f"{T}/{row['id']}")).status_code == 405


async def test_tasks_api_is_admin_only(api: Api) -> None:
    await _import(api, b"y" * 512)
    await api.make_user("mem", "pw", project="demo")
    tok = await api.token("mem", "pw", "demo")
    assert (await api.req("GET", T, token=tok)).status_code == 403
    two = (await api.ok("GET", f"{T}?limit=1"))
    assert len(two["tasks"]) == 1 and "next" in two


async def test_failed_import_fails_its_task(api: Api) -> None:
    img = await api.ok("POST", I, 201, json={"name": "q", "disk_format": "qcow2",
                                            "container_format": "bare"})
    r = await api.req("PUT", f"{I}/{img['id']}/stage", content=b"not a qcow2" * 100,
                      headers=OCTETS)
    assert r.status_code == 204
    await api.ok("POST", f"{I}/{img['id']}/import", 202,
                 json={"method": {"name": "glance-direct"}})
    await api.node.controller.image.data.wait_imports()
    [row] = (await api.ok("GET", f"{I}/{img['id']}/tasks"))["tasks"]
    assert row["status"] == "failure" and row["message"] and row["result"] is None
