"""Projects, users, groups, roles, assignments, catalog records; and who may see what."""

from __future__ import annotations

from tests.conftest import Api


async def test_project_crud_tags_and_filters(api: Api) -> None:
    p = (await api.ok("POST", "/v3/projects", 201, json={"project": {
        "name": "web", "description": "d", "tags": ["a", "b"]}}))["project"]
    assert p["domain_id"] == "default" and p["parent_id"] == "default"
    assert p["tags"] == ["a", "b"] and p["links"]["self"].endswith(f"/v3/projects/{p['id']}")
    child = (await api.ok("POST", "/v3/projects", 201, json={"project": {
        "name": "web-child", "parent_id": p["id"]}}))["project"]
    assert child["parent_id"] == p["id"] and child["domain_id"] == "default"
    names = {x["name"] for x in (await api.ok("GET", "/v3/projects?tags=a,b"))["projects"]}
    assert names == {"web"}
    assert (await api.ok("GET", "/v3/projects?not-tags-any=a"))["projects"]
    await api.ok("PUT", f"/v3/projects/{p['id']}/tags/c", 201)
    assert (await api.ok("GET", f"/v3/projects/{p['id']}/tags"))["tags"] == ["a", "b", "c"]
    await api.ok("GET", f"/v3/projects/{p['id']}/tags/c", 204)
    await api.ok("DELETE", f"/v3/projects/{p['id']}/tags/c", 204)
    await api.ok("GET", f"/v3/projects/{p['id']}/tags/c", 404)
    body = await api.ok("PATCH", f"/v3/projects/{p['id']}", json={"project": {
        "name": "web2", "enabled": False}})
    assert body["project"]["name"] == "web2" and body["project"]["enabled"] is False
    # a parent with children cannot go
    await api.ok("DELETE", f"/v3/projects/{p['id']}", 403)
    await api.ok("DELETE", f"/v3/projects/{child['id']}", 204)
    await api.ok("DELETE", f"/v3/projects/{p['id']}", 204)
    r = await api.ok("GET", f"/v3/projects/{p['id']}", 404)
    assert r["error"]["message"] == f"Could not find project: {p['id']}."


async def test_duplicate_names_conflict(api: Api) -> None:
    await api.make_project("dup")
    r = await api.ok("POST", "/v3/projects", 409, json={"project": {"name": "dup"}})
    assert "Duplicate entry" in r["error"]["message"]
    await api.make_user("same")
    await api.ok("POST", "/v3/users", 409, json={"user": {"name": "same"}})


async def test_user_crud_keeps_extra_attributes_never_the_password(api: Api) -> None:
    u = (await api.ok("POST", "/v3/users", 201, json={"user": {
        "name": "zed", "password": "secret-pw", "email": "z@example.org"}}))["user"]
    assert u["email"] == "z@example.org" and "password" not in u
    body = await api.ok("GET", f"/v3/users/{u['id']}")
    assert body["user"]["email"] == "z@example.org"
    assert "secret-pw" not in str(body)
    found = (await api.ok("GET", "/v3/users?name=zed"))["users"]
    assert [x["id"] for x in found] == [u["id"]]
    await api.ok("PATCH", f"/v3/users/{u['id']}", json={"user": {"description": "x"}})
    await api.ok("DELETE", f"/v3/users/{u['id']}", 204)
    await api.ok("GET", f"/v3/users/{u['id']}", 404)


async def test_domains_must_be_disabled_before_delete(api: Api) -> None:
    d = (await api.ok("POST", "/v3/domains", 201, json={"domain": {"name": "acme"}}))["domain"]
    await api.ok("POST", "/v3/projects", 201, json={"project": {"name": "x",
                                                                "domain_id": d["id"]}})
    await api.ok("DELETE", f"/v3/domains/{d['id']}", 403)
    await api.ok("PATCH", f"/v3/domains/{d['id']}", json={"domain": {"enabled": False}})
    await api.ok("DELETE", f"/v3/domains/{d['id']}", 204)
    assert not (await api.ok("GET", f"/v3/projects?domain_id={d['id']}"))["projects"]
    assert (await api.ok("GET", "/v3/domains?name=Default"))["domains"][0]["id"] == "default"


async def test_roles_implied_and_assignment_report(api: Api) -> None:
    role = (await api.ok("POST", "/v3/roles", 201, json={"role": {"name": "auditor"}}))["role"]
    reader = await api.role_id("reader")
    await api.ok("PUT", f"/v3/roles/{role['id']}/implies/{reader}", 201)
    user = await api.make_user("ivy", project="demo", role="auditor")
    pid = await api.project_id("demo")
    direct = (await api.ok("GET", f"/v3/role_assignments?user.id={user['id']}"))
    assert [a["role"]["id"] for a in direct["role_assignments"]] == [role["id"]]
    eff = await api.ok("GET", f"/v3/role_assignments?user.id={user['id']}&effective"
                       "&include_names")
    got = {(a["role"]["name"], a["scope"]["project"]["name"]) for a in eff["role_assignments"]}
    assert got == {("auditor", "demo"), ("reader", "demo")}
    assert eff["role_assignments"][0]["user"]["domain"]["name"] == "Default"
    roles = await api.ok("GET", f"/v3/projects/{pid}/users/{user['id']}/roles")
    assert [r["name"] for r in roles["roles"]] == ["auditor"]
    await api.ok("GET", f"/v3/projects/{pid}/users/{user['id']}/roles/{role['id']}", 204)
    await api.ok("GET", f"/v3/projects/{pid}/users/{user['id']}/roles/{reader}", 404)
    inf = await api.ok("GET", "/v3/role_inferences")
    assert any(r["prior_role"]["name"] == "admin" for r in inf["role_inferences"])


async def test_catalog_records(api: Api) -> None:
    svc = (await api.ok("POST", "/v3/services", 201, json={"service": {
        "type": "metric", "name": "gnocchi"}}))["service"]
    await api.ok("POST", "/v3/regions", 201, json={"region": {"id": "RegionTwo"}})
    ep = (await api.ok("POST", "/v3/endpoints", 201, json={"endpoint": {
        "service_id": svc["id"], "interface": "public", "url": "http://m.example:8041",
        "region_id": "RegionTwo"}}))["endpoint"]
    cat = (await api.ok("GET", "/v3/auth/catalog"))["catalog"]
    assert any(c["type"] == "metric" and c["endpoints"][0]["url"] == ep["url"] for c in cat)
    await api.ok("PATCH", f"/v3/endpoints/{ep['id']}", json={"endpoint": {"enabled": False}})
    cat = (await api.ok("GET", "/v3/auth/catalog"))["catalog"]
    assert not [c for c in cat if c["type"] == "metric"][0]["endpoints"]
    await api.ok("DELETE", f"/v3/services/{svc['id']}", 204)
    await api.ok("GET", f"/v3/endpoints/{ep['id']}", 404)
    await api.ok("POST", "/v3/endpoints", 404, json={"endpoint": {
        "service_id": "nope", "interface": "public", "url": "http://x"}})


async def test_member_sees_only_own_project(api: Api) -> None:
    other = await api.make_project("secret-project")
    await api.make_user("mallory", "pw", project="demo")
    tok = await api.token("mallory", "pw", "demo")
    demo = await api.project_id("demo")
    await api.ok("GET", f"/v3/projects/{demo}", token=tok)
    r = await api.ok("GET", f"/v3/projects/{other['id']}", 403, token=tok)
    assert r["error"]["code"] == 403
    await api.ok("GET", "/v3/projects", 403, token=tok)
    await api.ok("GET", "/v3/users", 403, token=tok)
    await api.ok("POST", "/v3/projects", 403, token=tok, json={"project": {"name": "x"}})
    await api.ok("GET", "/v3/role_assignments", 403, token=tok)
    mine = (await api.ok("GET", "/v3/auth/projects", token=tok))["projects"]
    assert [p["name"] for p in mine] == ["demo"]
    # a member cannot grant itself admin
    me = (await api.ok("GET", "/v3/users?name=mallory"))["users"][0]["id"]
    admin_role = await api.role_id("admin")
    await api.ok("PUT", f"/v3/projects/{demo}/users/{me}/roles/{admin_role}", 403, token=tok)


async def test_application_credentials(api: Api) -> None:
    user = await api.make_user("app-user", "pw", project="demo")
    tok = await api.token("app-user", "pw", "demo")
    member = await api.role_id("member")
    body = await api.ok("POST", f"/v3/users/{user['id']}/application_credentials", 201,
                        token=tok, json={"application_credential": {
                            "name": "ci", "roles": [{"name": "reader"}]}})
    cred = body["application_credential"]
    assert cred["secret"] and [r["name"] for r in cred["roles"]] == ["reader"]
    r = await api.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
    assert r.status_code == 201
    t = r.json()["token"]
    assert t["project"]["name"] == "demo" and [x["name"] for x in t["roles"]] == ["reader"]
    assert t["application_credential"]["id"] == cred["id"]
    app_tok = r.headers["x-subject-token"]
    # restricted: cannot make another credential
    await api.ok("POST", f"/v3/users/{user['id']}/application_credentials", 403,
                 token=app_tok, json={"application_credential": {"name": "x"}})
    # by name + user, wrong secret
    r = await api.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": {
            "name": "ci", "secret": "wrong", "user": {"id": user["id"]}}}}})
    assert r.status_code == 401
    # a role the user does not hold
    await api.ok("POST", f"/v3/users/{user['id']}/application_credentials", 403, token=tok,
                 json={"application_credential": {"name": "y", "roles": [{"name": "admin"}]}})
    listed = await api.ok("GET", f"/v3/users/{user['id']}/application_credentials", token=tok)
    assert [c["name"] for c in listed["application_credentials"]] == ["ci"]
    assert "secret" not in listed["application_credentials"][0]
    await api.ok("DELETE", f"/v3/users/{user['id']}/application_credentials/{cred['id']}",
                 204, token=tok)
    assert (await api.req("GET", "/v3/auth/projects", token=app_tok)).status_code == 401
    del member


async def test_unicode_tag_location_is_percent_encoded(api: Api) -> None:
    """Found by the fuzzer: a tag outside latin-1 made the Location header raise (500)."""
    p = await api.make_project("tagged")
    tag = "f\u00c3\u00eeW\U000ffcd1X"
    r = await api.req("PUT", f"/v3/projects/{p['id']}/tags/{tag}")
    assert r.status_code == 201
    assert r.headers["location"].endswith("/tags/f%C3%83%C3%AEW%F3%BF%B3%91X")
    assert tag in (await api.ok("GET", f"/v3/projects/{p['id']}/tags"))["tags"]
