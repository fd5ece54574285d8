"""Property-based fuzzing of the identity API: whatever the body, path or query, the answer is
never a 500 and every error is in Keystone's fault format."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nubo.identity.routes import ROUTES
from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, make_settings

KEYS = ["name", "domain_id", "parent_id", "enabled", "description", "tags", "password",
        "default_project_id", "options", "is_domain", "id", "type", "url", "interface",
        "service_id", "region_id", "roles", "secret", "expires_at", "unrestricted",
        "original_password", "identity", "methods", "scope", "user", "project", "domain",
        "system", "token", "application_credential", "email", "parent_region_id"]

scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(
    allow_nan=False, allow_infinity=False) | st.text(
    max_size=80)
json_values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), kids, max_size=5),
    max_leaves=20)
WRAPPERS = ["project", "user", "domain", "group", "role", "region", "service", "endpoint",
            "application_credential", "auth", "tags"]
bodies = json_values | st.builds(lambda k, v: {k: v}, st.sampled_from(WRAPPERS),
                                 st.dictionaries(st.sampled_from(KEYS), json_values,
                                                 max_size=6))
segments = st.text(min_size=1, max_size=300).filter(lambda s: "/" not in s and "?" not in s
                                                    and "#" not in s)
WRITE = [r for r in ROUTES if r.method in ("POST", "PUT", "PATCH", "DELETE")]
READ = [r for r in ROUTES if r.method == "GET"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    loop = asyncio.new_event_loop()
    node = AllInOne(make_settings(tmp_path_factory.mktemp("fuzz")))
    loop.run_until_complete(node.start())
    loop.run_until_complete(node.converged())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url=BASE)

    async def setup() -> dict[str, Any]:
        r = await client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "password": "admin-secret", "domain": {"id": "default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
        token = r.headers["x-subject-token"]
        h = {"X-Auth-Token": token}
        ids = ["default"]
        for coll in ("projects", "users", "roles", "groups", "services", "endpoints",
                     "regions"):
            body = (await client.get(f"/identity/v3/{coll}", headers=h)).json()
            ids += [x["id"] for x in body.get(coll, [])]
        return {"token": token, "ids": ids}
    data = loop.run_until_complete(setup())
    data.update(loop=loop, client=client)
    yield data
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(node.stop())
    loop.close()


def _path(template: str, values: list[str]) -> str:
    it = iter(values)
    return re.sub(r"\{[^}]+\}", lambda _m: next(it), template)


def _check(env: dict[str, Any], method: str, url: str, **kw: Any) -> None:
    async def go() -> httpx.Response:
        return await env["client"].request(method, url, headers={
            "X-Auth-Token": env["token"]}, **kw)
    r = env["loop"].run_until_complete(go())
    assert r.status_code < 500, f"{method} {url} {kw}: {r.status_code} {r.text}"
    if r.status_code >= 400 and method != "HEAD":
        err = r.json()["error"]
        assert err["code"] == r.status_code and isinstance(err["message"], str)


FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(route=st.sampled_from(WRITE), body=bodies, data=st.data())
def test_write_routes_never_500(env: dict[str, Any], route: Any, body: Any, data: Any) -> None:
    n = route.path.count("{")
    values = [data.draw(st.sampled_from(env["ids"]) | segments) for _ in range(n)]
    url = "/identity" + _path(route.path, [_quote(v) for v in values])
    if route.path == "/v3/auth/tokens" and route.method == "DELETE":
        return      # would revoke the fuzzer's own token
    _check(env, route.method, url, json=body)


@FUZZ
@given(route=st.sampled_from(READ), data=st.data(),
       query=st.dictionaries(st.sampled_from(["name", "enabled", "domain_id", "parent_id",
                                              "tags", "not-tags", "user.id", "group.id",
                                              "scope.project.id", "scope.system", "effective",
                                              "include_names", "nocatalog", "is_domain",
                                              "interface", "type"]),
                             st.text(max_size=40), max_size=4))
def test_read_routes_never_500(env: dict[str, Any], route: Any, data: Any,
                               query: dict[str, str]) -> None:
    n = route.path.count("{")
    values = [_quote(data.draw(st.sampled_from(env["ids"]) | segments)) for _ in range(n)]
    _check(env, "GET", "/identity" + _path(route.path, values), params=query)


def _quote(v: str) -> str:
    from urllib.parse import quote
    return quote(v, safe="")
