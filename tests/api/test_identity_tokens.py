"""Tokens: issue, validate, check, revoke, scopes, and revocation by identity changes."""

from __future__ import annotations

import time

from tests.conftest import ID, Api


def pw_auth(user: str, password: str, scope: object = None) -> dict:
    auth: dict = {"identity": {"methods": ["password"], "password": {
        "user": {"name": user, "password": password, "domain": {"id": "default"}}}}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}


async def test_project_token_has_catalog_roles_and_header(api: Api) -> None:
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth(
        "admin", "admin-secret", {"project": {"name": "admin", "domain": {"id": "default"}}}))
    assert r.status_code == 201
    tok = r.json()["token"]
    assert r.headers["x-subject-token"]
    assert tok["methods"] == ["password"]
    assert tok["project"]["name"] == "admin" and tok["project"]["domain"]["id"] == "default"
    assert tok["user"]["name"] == "admin" and tok["user"]["domain"]["name"] == "Default"
    # admin implies manager, member and reader
    assert {r["name"] for r in tok["roles"]} == {"admin", "manager", "member", "reader"}
    types = {c["type"] for c in tok["catalog"]}
    assert "identity" in types
    ep = tok["catalog"][0]["endpoints"][0]
    assert set(ep) >= {"id", "interface", "region_id", "url"}
    assert tok["expires_at"].endswith("Z") and tok["issued_at"].endswith("Z")
    assert len(tok["audit_ids"]) == 1


async def test_nocatalog_unscoped_domain_and_system_scopes(api: Api) -> None:
    r = await api.client.post(f"{ID}/auth/tokens?nocatalog", json=pw_auth(
        "admin", "admin-secret", {"project": {"name": "admin", "domain": {"id": "default"}}}))
    assert "catalog" not in r.json()["token"]
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("admin", "admin-secret",
                                                                "unscoped"))
    tok = r.json()["token"]
    assert "project" not in tok and "roles" not in tok and "catalog" not in tok
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth(
        "admin", "admin-secret", {"domain": {"id": "default"}}))
    assert r.status_code == 201 and r.json()["token"]["domain"]["id"] == "default"
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth(
        "admin", "admin-secret", {"system": {"all": True}}))
    assert r.status_code == 201 and r.json()["token"]["system"] == {"all": True}


async def test_default_project_scope_when_no_scope_given(api: Api) -> None:
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("admin", "admin-secret"))
    assert r.json()["token"]["project"]["name"] == "admin"


async def test_wrong_password_and_unknown_user_are_the_same_401(api: Api) -> None:
    a = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("admin", "nope"))
    b = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("ghost", "nope"))
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert a.json()["error"] == {"code": 401, "title": "Unauthorized", "message":
                                 "The request you have made requires authentication."}
    assert a.headers["www-authenticate"].startswith("Keystone uri=")


async def test_validate_check_revoke(api: Api) -> None:
    user_tok = await api.token("admin", "admin-secret", "admin")
    r = await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": user_tok})
    assert r.status_code == 200 and r.headers["x-subject-token"] == user_tok
    assert r.json()["token"]["project"]["name"] == "admin"
    r = await api.req("HEAD", "/v3/auth/tokens", headers={"X-Subject-Token": user_tok})
    assert r.status_code == 200 and r.content == b""
    r = await api.req("DELETE", "/v3/auth/tokens", headers={"X-Subject-Token": user_tok})
    assert r.status_code == 204
    r = await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": user_tok})
    assert r.status_code == 404
    r = await api.req("GET", "/v3/users", token=user_tok)
    assert r.status_code == 401


async def test_garbage_token_is_401_and_subject_is_404(api: Api) -> None:
    assert (await api.req("GET", "/v3/users", token="garbage")).status_code == 401
    r = await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": "garbage"})
    assert r.status_code == 404
    assert (await api.req("GET", "/v3/users", token="")).status_code == 401


async def test_token_method_rescopes_and_keeps_expiry(api: Api) -> None:
    unscoped = await api.token("admin", "admin-secret", scope="unscoped")
    r = await api.client.post(f"{ID}/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
    assert r.status_code == 401      # admin has no role on demo
    r = await api.client.post(f"{ID}/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert r.status_code == 201
    tok = r.json()["token"]
    assert tok["methods"] == ["password", "token"]
    parent = (await api.req("GET", "/v3/auth/tokens",
                            headers={"X-Subject-Token": unscoped})).json()["token"]
    assert tok["expires_at"] == parent["expires_at"]
    assert tok["audit_ids"][1] == parent["audit_ids"][0]


async def test_disable_user_revokes_tokens(api: Api) -> None:
    user = await api.make_user("carol", "pw", project="demo")
    tok = await api.token("carol", "pw", "demo")
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 200
    await api.ok("PATCH", f"/v3/users/{user['id']}", json={"user": {"enabled": False}})
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("carol", "pw"))
    assert r.status_code == 401


async def test_password_change_revokes_and_new_password_works(api: Api) -> None:
    user = await api.make_user("dave", "old-pw", project="demo")
    tok = await api.token("dave", "old-pw", "demo")
    r = await api.client.post(f"{ID}/users/{user['id']}/password", json={
        "user": {"original_password": "wrong", "password": "new-pw"}})
    assert r.status_code == 401
    r = await api.client.post(f"{ID}/users/{user['id']}/password", json={
        "user": {"original_password": "old-pw", "password": "new-pw"}})
    assert r.status_code == 204
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401
    new = await api.token("dave", "new-pw", "demo")    # issued right after: must be valid
    assert (await api.req("GET", "/v3/auth/projects", token=new)).status_code == 200
    r = await api.client.post(f"{ID}/auth/tokens", json=pw_auth("dave", "old-pw"))
    assert r.status_code == 401


async def test_role_removal_revokes_project_token(api: Api) -> None:
    user = await api.make_user("erin", "pw", project="demo")
    tok = await api.token("erin", "pw", "demo")
    pid, rid = await api.project_id("demo"), await api.role_id("member")
    await api.ok("DELETE", f"/v3/projects/{pid}/users/{user['id']}/roles/{rid}", 204)
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401


async def test_project_delete_and_disable_revoke(api: Api) -> None:
    p = await api.make_project("tmp")
    await api.make_user("frank", "pw", project="tmp")
    tok = await api.token("frank", "pw", "tmp")
    await api.ok("PATCH", f"/v3/projects/{p['id']}", json={"project": {"enabled": False}})
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401


async def test_group_role_gives_access_and_membership_removal_revokes(api: Api) -> None:
    user = await api.make_user("gina", "pw")
    g = (await api.ok("POST", "/v3/groups", 201, json={"group": {"name": "ops"}}))["group"]
    pid, rid = await api.project_id("demo"), await api.role_id("reader")
    await api.ok("PUT", f"/v3/projects/{pid}/groups/{g['id']}/roles/{rid}", 204)
    await api.ok("PUT", f"/v3/groups/{g['id']}/users/{user['id']}", 204)
    tok = await api.token("gina", "pw", "demo")
    info = (await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": tok})).json()
    assert [r["name"] for r in info["token"]["roles"]] == ["reader"]
    await api.ok("DELETE", f"/v3/groups/{g['id']}/users/{user['id']}", 204)
    assert (await api.req("GET", "/v3/auth/projects", token=tok)).status_code == 401


async def test_expired_token_is_rejected(api: Api, monkeypatch) -> None:
    tok = await api.token("admin", "admin-secret", "admin")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3601)
    assert (await api.req("GET", "/v3/users", token=tok)).status_code == 401


async def test_lockout_after_failed_logins(tmp_path) -> None:
    import httpx

    from nubo.roles.all_in_one import AllInOne
    from tests.conftest import BASE, make_settings
    node = AllInOne(make_settings(tmp_path / "d", lockout_failure_attempts=2, lockout_duration=600))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as c:
            for _ in range(2):
                r = await c.post(f"{ID}/auth/tokens", json=pw_auth("admin", "bad"))
                assert r.status_code == 401
            r = await c.post(f"{ID}/auth/tokens", json=pw_auth("admin", "admin-secret"))
            assert r.status_code == 401
            assert "locked" in r.json()["error"]["message"]
    finally:
        await node.stop()


async def test_auth_projects_domains_system_catalog(api: Api) -> None:
    body = await api.ok("GET", "/v3/auth/projects")
    assert {p["name"] for p in body["projects"]} == {"admin"}
    body = await api.ok("GET", "/v3/auth/domains")
    assert [d["id"] for d in body["domains"]] == ["default"]
    body = await api.ok("GET", "/v3/auth/system")
    assert body["system"] == [{"all": True}]
    body = await api.ok("GET", "/v3/auth/catalog")
    assert any(c["type"] == "identity" for c in body["catalog"])
