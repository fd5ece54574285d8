"""Compute version discovery and microversion negotiation, as clients see them."""

from __future__ import annotations

from tests.conftest import Api


async def test_version_documents(api: Api) -> None:
    r = await api.client.get("/compute")
    assert r.status_code == 200
    v = r.json()["versions"][1]          # after Nova's legacy v2.0
    assert v["id"] == "v2.1" and v["min_version"] == "2.1" and v["status"] == "CURRENT"
    r = await api.client.get("/compute/v2.1/")
    doc = r.json()["version"]
    assert doc["version"] == v["version"]
    assert doc["links"][0]["href"].endswith("/compute/v2.1/")
    assert r.headers["openstack-api-version"] == "compute 2.1"
    assert r.headers["x-openstack-nova-api-version"] == "2.1"
    assert "OpenStack-API-Version" in r.headers["vary"]


async def test_microversion_outside_range_is_406_in_nova_format(api: Api) -> None:
    r = await api.client.get("/compute/v2.1", headers={
        "OpenStack-API-Version": "compute 2.999"})
    assert r.status_code == 406
    body = r.json()
    assert list(body) == ["notAcceptable"]
    assert "Minimum is 2.1" in body["notAcceptable"]["message"]
    r = await api.client.get("/compute/v2.1", headers={"X-OpenStack-Nova-API-Version": "x.y"})
    assert r.status_code == 400 and "badRequest" in r.json()
    r = await api.client.get("/compute/v2.1", headers={"OpenStack-API-Version": "compute latest"})
    assert r.status_code == 200 and r.headers["openstack-api-version"].startswith("compute 2.")


async def test_unknown_compute_path_is_nova_404(api: Api) -> None:
    r = await api.req("GET", "/compute/v2.1/nothing")
    assert r.status_code == 404 and r.json()["itemNotFound"]["code"] == 404
    assert r.headers["openstack-api-version"] == "compute 2.1"
    r = await api.client.get("/compute/v2.1/nothing")
    assert r.status_code == 404
