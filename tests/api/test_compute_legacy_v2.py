"""Nova's legacy v2.0 API: listed first at GET /compute, its version document at /compute/v2,
and /compute/v2[/{project_id}]/... served as v2.1 at 2.1 whatever microversion is asked,
without microversion headers (Nova's LegacyV2CompatibleWrapper)."""

from __future__ import annotations

from tests.api.compute_schemas import check
from tests.conftest import Api


async def test_version_list_has_v20_first(api: Api) -> None:
    r = await api.client.get("/compute/")
    assert r.status_code == 200
    check("versions", "list_versions", r.json(), 200)
    v20, v21 = r.json()["versions"]
    assert (v20["id"], v20["status"], v20["version"], v20["min_version"]) == \
        ("v2.0", "SUPPORTED", "", "")
    assert v20["links"] == [{"rel": "self", "href": "http://127.0.0.1:8880/compute/v2/"}]
    assert v21["id"] == "v2.1" and v21["status"] == "CURRENT"
    # each self link gives the same link back in its own document
    for v in (v20, v21):
        href = v["links"][0]["href"].removeprefix("http://127.0.0.1:8880")
        doc = await api.ok("GET", href)
        check("versions", "get_one_version", doc, 200)
        assert doc["version"]["id"] == v["id"]
        assert [x for x in doc["version"]["links"] if x["rel"] == "self"] == v["links"]
    doc = (await api.client.get("/compute/v2")).json()["version"]
    assert doc["media-types"][0]["type"] == "application/vnd.openstack.compute+json;version=2"


async def test_v2_serves_v21_at_2_1_without_version_headers(api: Api) -> None:
    r = await api.req("GET", "/compute/v2/flavors", headers={
        "OpenStack-API-Version": "compute 2.999", "X-OpenStack-Nova-API-Version": "9.9"})
    assert r.status_code == 200, r.text
    assert r.json()["flavors"] == (await api.ok("GET", "/compute/v2.1/flavors"))["flavors"]
    assert "openstack-api-version" not in r.headers
    assert "x-openstack-nova-api-version" not in r.headers
    assert "OpenStack-API-Version" not in r.headers.get("vary", "")
    # pinned at 2.1: a route from 2.55 is not there, a proxy capped at 2.35 is
    flavor = r.json()["flavors"][0]["id"]
    r = await api.req("PUT", f"/compute/v2/flavors/{flavor}", json={
        "flavor": {"description": "x"}}, headers={"OpenStack-API-Version": "compute 2.60"})
    assert r.status_code in (404, 405), r.text
    r = await api.req("GET", "/compute/v2/os-floating-ip-pools",
                      headers={"OpenStack-API-Version": "compute 2.40"})
    assert r.status_code == 200, r.text


async def test_v2_with_project_id_in_path(api: Api) -> None:
    pid = await api.project_id("admin")
    body = await api.ok("GET", f"/compute/v2/{pid}/flavors/detail")
    assert body["flavors"]
    r = await api.req("GET", f"/compute/v2/{pid}/nothing-here")
    assert r.status_code == 404 and r.json()["itemNotFound"]["code"] == 404
    r = await api.req("GET", "/compute/v2/servers")
    assert r.status_code == 200 and r.json() == {"servers": []}
    # not a prefix match on /compute/v2.1 or /compute/v20
    assert (await api.req("GET", "/compute/v20/flavors")).status_code == 404


async def test_project_id_in_path_must_be_the_tokens(api: Api) -> None:
    pid = await api.project_id("admin")
    other = (await api.make_project("notmine"))["id"]
    assert (await api.ok("GET", f"/compute/v2.1/{pid}/flavors"))["flavors"]
    for base in ("/compute/v2", "/compute/v2.1"):
        r = await api.req("GET", f"{base}/{other}/flavors")
        assert r.status_code == 400, r.text
        assert "doesn't match Context's project_id" in r.json()["badRequest"]["message"]
    # on v2.1 the microversion headers still count
    r = await api.req("GET", f"/compute/v2.1/{pid}/flavors",
                      headers={"OpenStack-API-Version": "compute 2.60"})
    assert r.headers["openstack-api-version"] == "compute 2.60"
