"""The one ASGI app: health, metrics, request ids, version discovery, trailing slashes."""

from __future__ import annotations

from tests.conftest import Api


async def test_healthz_and_metrics(api: Api) -> None:
    r = await api.client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    await api.client.get("/identity/v3/projects", headers={"X-Auth-Token": api.admin_token})
    m = (await api.client.get("/metrics")).text
    assert 'nubo_http_requests_total{method="GET",route="/identity/v3/projects",' \
           'service="identity",status="200"}' in m
    assert "nubo_http_request_duration_seconds_bucket" in m


async def test_healthz_is_503_until_ready(api: Api) -> None:
    api.node.app.ready = False
    assert (await api.client.get("/healthz")).status_code == 503
    api.node.app.ready = True


async def test_every_response_has_a_request_id(api: Api) -> None:
    for path in ("/healthz", "/identity/v3", "/nowhere", "/identity/v3/users"):
        r = await api.client.get(path)
        assert r.headers["x-openstack-request-id"].startswith("req-")
    a = (await api.client.get("/identity/v3")).headers["x-openstack-request-id"]
    b = (await api.client.get("/identity/v3")).headers["x-openstack-request-id"]
    assert a != b


async def test_version_discovery(api: Api) -> None:
    r = await api.client.get("/identity")
    assert r.status_code == 300
    v = r.json()["versions"]["values"][0]
    assert v["id"].startswith("v3.") and v["status"] == "stable"
    assert v["links"][0]["href"] == "http://127.0.0.1:8880/identity/v3/"
    r = await api.client.get("/identity/v3/")
    assert r.status_code == 200 and r.json()["version"]["id"] == v["id"]
    assert r.json()["version"]["media-types"][0]["type"] == \
        "application/vnd.openstack.identity-v3+json"


async def test_trailing_slash_is_accepted(api: Api) -> None:
    r = await api.client.get("/identity/v3/projects/", headers={"X-Auth-Token": api.admin_token})
    assert r.status_code == 200 and r.json()["projects"]


async def test_head_answers_like_get_without_body(api: Api) -> None:
    pid = await api.project_id("demo")
    r = await api.req("HEAD", f"/v3/projects/{pid}")
    assert r.status_code == 200 and r.content == b""


async def test_metrics_labels_do_not_grow_with_random_paths(api: Api) -> None:
    for i in range(20):
        await api.client.get(f"/random-{i}")
        await api.client.get(f"/identity/v3/nothing-{i}")
    m = (await api.client.get("/metrics")).text
    assert "random-" not in m and "nothing-" not in m
    assert 'route="unmatched"' in m
