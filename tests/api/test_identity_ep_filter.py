"""OS-EP-FILTER associations (Keystone's keystone/api/os_ep_filter.py) and the catalog of a
project-scoped token filtered by them, as Keystone's get_v3_catalog filters it: a project
with associations sees only those endpoints (and no service left without one); a project
without sees the full catalog."""

from __future__ import annotations

from typing import Any

from tests.conftest import ID, Api

EPF = "/v3/OS-EP-FILTER"


async def _catalog_ids(api: Api, project: str) -> tuple[set[str], set[str]]:
    """(endpoint ids, service types) of the catalog in a new token on `project` (of the
    admin on admin, of a member of demo on demo)."""
    if project == "demo" and not (await api.ok("GET", "/v3/users?name=epf"))["users"]:
        await api.make_user("epf", "pw", project="demo")
    user, pw = ("admin", "admin-secret") if project == "admin" else ("epf", "pw")
    r = await api.client.post(f"{ID}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": pw, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    assert r.status_code == 201, r.text
    cat = r.json()["token"]["catalog"]
    return {e["id"] for s in cat for e in s["endpoints"]}, {s["type"] for s in cat}


async def _endpoints(api: Api) -> list[dict[str, Any]]:
    return (await api.ok("GET", "/v3/endpoints"))["endpoints"]


async def test_project_endpoint_associations_filter_the_catalog(api: Api) -> None:
    demo = await api.project_id("demo")
    eps = await _endpoints(api)
    compute = [e for e in eps if "/compute/" in e["url"]][0]
    full_ids, full_types = await _catalog_ids(api, "demo")
    assert compute["id"] in full_ids and "image" in full_types
    path = f"{EPF}/projects/{demo}/endpoints/{compute['id']}"
    await api.ok("GET", path, 404)
    await api.ok("PUT", path, 204)
    await api.ok("PUT", path, 409)
    await api.ok("GET", path, 204)
    await api.ok("HEAD", path, 204)
    listed = (await api.ok("GET", f"{EPF}/projects/{demo}/endpoints"))["endpoints"]
    assert [e["id"] for e in listed] == [compute["id"]]
    projects = (await api.ok("GET", f"{EPF}/endpoints/{compute['id']}/projects"))["projects"]
    assert [p["id"] for p in projects] == [demo]
    # the demo project's tokens now carry only that endpoint; admin's keep everything
    ids, types = await _catalog_ids(api, "demo")
    assert ids == {compute["id"]} and types == {"compute"}
    assert (await _catalog_ids(api, "admin"))[0] == full_ids
    # /v3/auth/catalog follows the token's project too
    demo_tok = await api.token("epf", "pw", "demo")
    cat = (await api.ok("GET", "/v3/auth/catalog", token=demo_tok))["catalog"]
    assert [s["type"] for s in cat] == ["compute"]
    await api.ok("DELETE", path, 204)
    await api.ok("DELETE", path, 404)
    assert (await _catalog_ids(api, "demo"))[0] == full_ids
    # unknown endpoint or project
    await api.ok("PUT", f"{EPF}/projects/{demo}/endpoints/nope", 404)
    await api.ok("PUT", f"{EPF}/projects/nope/endpoints/{compute['id']}", 404)
    await api.ok("GET", f"{EPF}/projects/nope/endpoints", 404)


async def test_endpoint_group_associations_filter_the_catalog(api: Api) -> None:
    demo = await api.project_id("demo")
    eps = await _endpoints(api)
    image = [e for e in eps if "/image" in e["url"]][0]
    g = (await api.ok("POST", f"{EPF}/endpoint_groups", 201, json={"endpoint_group": {
        "name": "images", "filters": {"service_id": image["service_id"]}}}))["endpoint_group"]
    members = (await api.ok("GET", f"{EPF}/endpoint_groups/{g['id']}/endpoints"))["endpoints"]
    assert {e["id"] for e in members} == {e["id"] for e in eps
                                          if e["service_id"] == image["service_id"]}
    path = f"{EPF}/endpoint_groups/{g['id']}/projects/{demo}"
    await api.ok("GET", path, 404)
    await api.ok("PUT", path, 204)
    assoc = (await api.ok("GET", path))["project_endpoint_group"]
    assert assoc["endpoint_group_id"] == g["id"] and assoc["project_id"] == demo
    assert assoc["links"]["self"].endswith(path)
    projects = (await api.ok("GET", f"{EPF}/endpoint_groups/{g['id']}/projects"))["projects"]
    assert [p["id"] for p in projects] == [demo]
    groups = (await api.ok("GET", f"{EPF}/projects/{demo}/endpoint_groups"))["endpoint_groups"]
    assert [x["id"] for x in groups] == [g["id"]]
    listed = (await api.ok("GET", f"{EPF}/projects/{demo}/endpoints"))["endpoints"]
    assert {e["id"] for e in listed} == {e["id"] for e in members}
    ids, types = await _catalog_ids(api, "demo")
    assert types == {"image"} and ids == {e["id"] for e in members}
    # a member cannot manage associations (Keystone: admin only)
    await api.make_user("epf-member", "pw", project="demo")
    tok = await api.token("epf-member", "pw", "demo")
    await api.ok("DELETE", path, 403, token=tok)
    # deleting the group ends its associations and the filter
    await api.ok("DELETE", f"{EPF}/endpoint_groups/{g['id']}", 204)
    assert "compute" in (await _catalog_ids(api, "demo"))[1]
    assert (await api.ok("GET", f"{EPF}/projects/{demo}/endpoint_groups"))[
        "endpoint_groups"] == []
