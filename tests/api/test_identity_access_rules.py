"""Application credential access rules (Keystone's `access_rules` on create,
/v3/users/{id}/access_rules), enforced in every service as keystonemiddleware's
`validate_allowed_request` enforces them: a token from such a credential may call only a
(service type, method, path) one of its rules allows, else 401."""

from __future__ import annotations

from typing import Any

from tests.conftest import ID, Api


async def _cred(api: Api, rules: list[dict[str, Any]], name: str = "ci",
                user: str = "ar-user") -> tuple[dict[str, Any], str, str]:
    """A member of demo, their credential with `rules`, and their own token."""
    found = (await api.ok("GET", f"/v3/users?name={user}"))["users"]
    uid = found[0]["id"] if found else (await api.make_user(user, "pw", project="demo"))["id"]
    tok = await api.token(user, "pw", "demo")
    cred = (await api.ok("POST", f"/v3/users/{uid}/application_credentials", 201, token=tok,
                         json={"application_credential": {"name": name,
                                                          "access_rules": rules}})
            )["application_credential"]
    return cred, uid, tok


async def _login(api: Api, cred: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    r = await api.client.post(f"{ID}/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
    assert r.status_code == 201, r.text
    return r.headers["x-subject-token"], r.json()["token"]


async def test_access_rules_api(api: Api) -> None:
    """Keystone's users API: rules come back with ids on create, are listed and shown per
    user, an identical rule is reused, and a rule in use cannot be deleted (403)."""
    rule = {"path": "/v2.1/servers/*/ips", "method": "GET", "service": "compute"}
    cred, uid, tok = await _cred(api, [rule])
    [made] = cred["access_rules"]
    assert made["id"] and {k: made[k] for k in rule} == rule
    listed = (await api.ok("GET", f"/v3/users/{uid}/access_rules", token=tok))["access_rules"]
    assert [r["id"] for r in listed] == [made["id"]]
    shown = (await api.ok("GET", f"/v3/users/{uid}/access_rules/{made['id']}",
                          token=tok))["access_rule"]
    assert shown["path"] == rule["path"] and shown["service"] == "compute"
    assert (await api.ok("GET", f"/v3/users/{uid}/access_rules?service=image",
                         token=tok))["access_rules"] == []
    # the same rule on a second credential is the same rule; by id works as well
    other = (await api.ok("POST", f"/v3/users/{uid}/application_credentials", 201, token=tok,
                          json={"application_credential": {
                              "name": "second", "access_rules": [{"id": made["id"]}]}})
             )["application_credential"]
    assert [r["id"] for r in other["access_rules"]] == [made["id"]]
    got = (await api.ok("GET", f"/v3/users/{uid}/application_credentials/{cred['id']}",
                        token=tok))["application_credential"]
    assert [r["id"] for r in got["access_rules"]] == [made["id"]]
    assert len((await api.ok("GET", f"/v3/users/{uid}/access_rules",
                             token=tok))["access_rules"]) == 1
    rule_path = f"/v3/users/{uid}/access_rules/{made['id']}"
    r = await api.req("DELETE", rule_path, tok)
    assert r.status_code == 403 and "in use" in r.json()["error"]["message"]
    for c in (cred, other):
        await api.ok("DELETE", f"/v3/users/{uid}/application_credentials/{c['id']}", 204,
                     token=tok)
    await api.ok("DELETE", rule_path, 204, token=tok)
    await api.ok("GET", rule_path, 404, token=tok)
    # another user's rules are not theirs to see
    stranger = await api.make_user("ar-stranger", "pw", project="demo")
    stok = await api.token("ar-stranger", "pw", "demo")
    await api.ok("GET", f"/v3/users/{uid}/access_rules", 403, token=stok)
    assert stranger["id"]


async def test_access_rules_validation(api: Api) -> None:
    """Keystone's schema: method from a fixed list, service a type-like id, path from /."""
    user = await api.make_user("ar-val", "pw", project="demo")
    tok = await api.token("ar-val", "pw", "demo")
    for bad in ({"path": "/v2.1/servers", "method": "FETCH", "service": "compute"},
                {"path": "/v2.1/servers", "method": "GET", "service": "com pute"},
                {"path": "v2.1/servers", "method": "GET", "service": "compute"},
                {"method": "GET", "service": "compute"}):
        r = await api.req("POST", f"/v3/users/{user['id']}/application_credentials", tok,
                          json={"application_credential": {"name": "x",
                                                           "access_rules": [bad]}})
        assert r.status_code == 400, (bad, r.text)
    assert (await api.ok("GET", f"/v3/users/{user['id']}/application_credentials",
                         token=tok))["application_credentials"] == []
    # an empty path is refused (the pattern wants a leading /); "/", HEAD and a dashed
    # service type are fine
    ok = {"path": "", "method": "HEAD", "service": "key-manager"}
    await api.ok("POST", f"/v3/users/{user['id']}/application_credentials", 400, token=tok,
                 json={"application_credential": {"name": "x", "access_rules": [ok]}})
    ok["path"] = "/"
    made = (await api.ok("POST", f"/v3/users/{user['id']}/application_credentials", 201,
                         token=tok, json={"application_credential": {
                             "name": "x", "access_rules": [ok]}}))["application_credential"]
    assert {k: made["access_rules"][0][k] for k in ok} == ok


async def test_access_rules_enforced_in_every_service(api: Api) -> None:
    """Only the allowed service, method and path pass; everything else is a 401, in each
    service; validating the token itself is always allowed (keystonemiddleware)."""
    rules = [{"service": "compute", "method": "GET", "path": "/v2.1/servers"},
             {"service": "image", "method": "GET", "path": "/image/v2/images/**"},
             {"service": "identity", "method": "GET", "path": "/v3/users/{user_id}"}]
    cred, uid, _tok = await _cred(api, rules, user="ar-enf")
    app_tok, body = await _login(api, cred)
    assert [r["path"] for r in body["application_credential"]["access_rules"]] == [
        r["path"] for r in sorted(cred["access_rules"], key=lambda r: r["id"])]
    # allowed: the service-relative and the whole-URL form of a path
    await api.ok("GET", "/compute/v2.1/servers", token=app_tok)
    await api.ok("GET", f"/v3/users/{uid}", token=app_tok)
    r = await api.req("GET", "/image/v2/images/00000000-0000-0000-0000-000000000000",
                      app_tok)
    assert r.status_code == 404        # past the rule check: the image does not exist
    # token validation is always allowed
    await api.ok("GET", "/v3/auth/tokens", token=app_tok,
                 headers={"X-Subject-Token": app_tok})
    # everything else: 401
    for method, path in (("GET", "/compute/v2.1/flavors"),
                         ("POST", "/compute/v2.1/servers"),
                         ("GET", "/compute/v2.1/servers/detail"),
                         ("GET", "/image/v2/images"),
                         ("GET", "/networking/v2.0/networks"),
                         ("GET", "/placement/resource_providers"),
                         ("GET", "/v3/auth/projects"),
                         ("GET", f"/v3/users/{uid}/application_credentials")):
        r = await api.req(method, path, app_tok, json={} if method == "POST" else None)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
    # a credential without rules is not limited
    free, _, _ = await _cred(api, [], name="free", user="ar-enf")
    free_tok, free_body = await _login(api, free)
    assert "access_rules" not in free_body["application_credential"]
    await api.ok("GET", "/networking/v2.0/networks", token=free_tok)
