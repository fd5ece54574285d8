"""Property-based fuzzing of the image API: no body, path, query or patch gets a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nubo.image.routes import ROUTES
from tests.api.test_fuzz_identity import FUZZ, _path, _quote, env, json_values, segments

__all__ = ["env"]   # the module-scoped node fixture, shared

IMAGE_KEYS = ["name", "disk_format", "container_format", "visibility", "protected", "tags",
              "min_ram", "min_disk", "os_hidden", "id", "owner", "status", "size", "member",
              "method", "os_glance_x", "hw_disk_bus", "op", "path", "value", "replace"]
image_bodies = json_values | st.dictionaries(st.sampled_from(IMAGE_KEYS), json_values,
                                             max_size=6)
patch_ops = st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "test"]),
     "path": st.sampled_from(["/name", "/tags", "/visibility", "/min_ram", "/status", "/x",
                              "/a/b", "/", "/protected", "/locations/0", "/os_hidden"])},
    optional={"value": json_values}), max_size=4)
CTYPES = ["application/json", "application/octet-stream",
          "application/openstack-images-v2.1-json-patch", "text/plain", ""]


@pytest.fixture(scope="module")
def images(env: dict[str, Any]) -> list[str]:
    async def go() -> list[str]:
        h = {"X-Auth-Token": env["token"]}
        ids = []
        for vis in ("shared", "private"):
            r = await env["client"].post("/image/v2/images", headers=h, json={
                "name": "fuzz", "disk_format": "raw", "container_format": "bare",
                "visibility": vis})
            ids.append(r.json()["id"])
        await env["client"].put(f"/image/v2/images/{ids[0]}/file", content=b"data",
                                headers={**h, "Content-Type": "application/octet-stream"})
        return ids
    return env["loop"].run_until_complete(go())


def _run(env: dict[str, Any], method: str, url: str, **kw: Any) -> None:
    async def go() -> httpx.Response:
        headers = {"X-Auth-Token": env["token"], **kw.pop("headers", {})}
        return await env["client"].request(method, url, headers=headers, **kw)
    r = env["loop"].run_until_complete(go())
    assert r.status_code < 500, f"{method} {url} {kw}: {r.status_code} {r.text}"


@FUZZ
@given(route=st.sampled_from([r for r in ROUTES if r.method != "GET"]), data=st.data(),
       ctype=st.sampled_from(CTYPES))
def test_image_writes_never_500(env: dict[str, Any], images: list[str], route: Any, data: Any,
                                ctype: str) -> None:
    n = route.path.count("{")
    values = [_quote(data.draw(st.sampled_from(images) | segments | st.uuids().map(str)))
              for _ in range(n)]
    url = "/image" + _path(route.path, values)
    body = data.draw(patch_ops if route.method == "PATCH" else image_bodies)
    raw = data.draw(st.booleans())
    if raw:
        _run(env, route.method, url, content=data.draw(st.binary(max_size=200)),
             headers={"Content-Type": ctype})
    else:
        _run(env, route.method, url, json=body, headers={"Content-Type": ctype}
             if ctype else {})


@FUZZ
@given(data=st.data(), query=st.dictionaries(
    st.sampled_from(["limit", "marker", "sort_key", "sort_dir", "sort", "name", "id",
                     "status", "visibility", "owner", "member_status", "tag", "size_min",
                     "size_max", "os_hidden", "protected", "created_at", "os_distro"]),
    st.text(max_size=40), max_size=5))
def test_image_reads_never_500(env: dict[str, Any], images: list[str], data: Any,
                               query: dict[str, str]) -> None:
    _run(env, "GET", "/image/v2/images", params=query)
    route = data.draw(st.sampled_from([r for r in ROUTES if r.method == "GET"]))
    values = [_quote(data.draw(st.sampled_from(images) | segments))
              for _ in range(route.path.count("{"))]
    _run(env, "GET", "/image" + _path(route.path, values))
