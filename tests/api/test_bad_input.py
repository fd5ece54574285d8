"""Bad input gets a 4xx in Keystone's format and writes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import Api


async def _count(api: Api, coll: str) -> int:
    return len((await api.ok("GET", f"/v3/{coll}"))[coll])


def assert_keystone_fault(r, status: int) -> str:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == status and err["title"] and err["message"]
    assert "Traceback" not in r.text
    return err["message"]


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"project": ', b"\xff\xfe", b"[]",
                                 b'"project"', b"null", b"{}"])
async def test_malformed_bodies(api: Api, raw: bytes) -> None:
    before = await _count(api, "projects")
    r = await api.req("POST", "/v3/projects", content=raw,
                      headers={"Content-Type": "application/json"})
    assert_keystone_fault(r, 400)
    assert await _count(api, "projects") == before


@pytest.mark.parametrize("body, fragment", [
    ({"project": {}}, "'name' is a required property"),
    ({"project": {"name": 5}}, "5 is not of type 'string'"),
    ({"project": {"name": ""}}, "name"),
    ({"project": {"name": "x" * 65}}, "is too long"),
    ({"project": {"name": "ok", "enabled": "yes"}}, "'yes' is not of type 'boolean'"),
    ({"project": {"name": "ok", "tags": ["a/b"]}}, "tags"),
    ({"project": {"name": "ok"}, "extra": 1}, "Additional properties are not allowed"),
    ({"projects": {"name": "ok"}}, "'project' is a required property"),
])
async def test_invalid_fields(api: Api, body: dict, fragment: str) -> None:
    before = await _count(api, "projects")
    msg = assert_keystone_fault(await api.req("POST", "/v3/projects", json=body), 400)
    assert fragment in msg
    assert await _count(api, "projects") == before


async def test_unknown_fields_where_keystone_is_strict(api: Api) -> None:
    r = await api.req("POST", "/v3/auth/tokens", token="", json={"auth": {
        "identity": {"methods": ["password"]}, "bogus": True}})
    assert "Additional properties" in assert_keystone_fault(r, 400)
    user = (await api.ok("GET", "/v3/users?name=admin"))["users"][0]
    r = await api.req("POST", f"/v3/users/{user['id']}/application_credentials",
                      json={"application_credential": {"name": "a", "colour": "red"}})
    assert_keystone_fault(r, 400)


async def test_oversized_body_is_413_and_not_read(api: Api) -> None:
    before = await _count(api, "projects")
    big = {"project": {"name": "big", "description": "x" * 200_000}}
    r = await api.req("POST", "/v3/projects", json=big)
    assert_keystone_fault(r, 413)
    assert await _count(api, "projects") == before


async def test_wrong_content_type(api: Api) -> None:
    r = await api.req("POST", "/v3/projects", content=b"name=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_keystone_fault(r, 415)


async def test_unknown_path_and_method(api: Api) -> None:
    assert_keystone_fault(await api.req("GET", "/v3/nothing-here"), 404)
    r = await api.req("PUT", "/v3/projects")
    assert_keystone_fault(r, 405)
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


async def test_bad_query_values(api: Api) -> None:
    assert_keystone_fault(await api.req("GET", "/v3/projects?enabled=maybe"), 400)
    assert_keystone_fault(await api.req("GET", "/v3/role_assignments?scope.system=some"), 400)


async def test_bad_auth_requests(api: Api) -> None:
    cases = [
        {"auth": {}},
        {"auth": {"identity": {"methods": []}}},
        {"auth": {"identity": {"methods": ["password"]}}},
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "a"}}}}},
        {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": "admin", "password": "x", "domain": {}}}}}},
        {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"id": "x", "password": "y"}}}, "scope": {"project": {}, "domain": {}}}},
    ]
    for body in cases:
        r = await api.req("POST", "/v3/auth/tokens", token="", json=body)
        assert r.status_code == 400, (body, r.text)
    r = await api.req("POST", "/v3/auth/tokens", token="", json={"auth": {"identity": {
        "methods": ["totp"], "totp": {}}}})
    assert_keystone_fault(r, 401)
    r = await api.req("POST", "/v3/auth/tokens", token="", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"name": "admin", "password": "admin-secret",
                                                       "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "nope", "domain": {"id": "default"}}}}})
    assert_keystone_fault(r, 401)


async def test_bad_references_are_404_not_500(api: Api) -> None:
    rid = await api.role_id("member")
    assert_keystone_fault(await api.req("PUT", f"/v3/projects/nope/users/nope/roles/{rid}"), 404)
    assert_keystone_fault(await api.req("POST", "/v3/users", json={"user": {
        "name": "x", "domain_id": "nope"}}), 404)
    assert_keystone_fault(await api.req("POST", "/v3/projects", json={"project": {
        "name": "x", "parent_id": "nope"}}), 404)
    assert_keystone_fault(await api.req("PUT", f"/v3/roles/{rid}/implies/{rid}"), 400)
