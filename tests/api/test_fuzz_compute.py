"""Property-based fuzzing of the compute API: no body, path or query gets a 500."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from nubo.compute.api.routes import ROUTES
from tests.api.test_fuzz_identity import FUZZ, _path, _quote, env, json_values, segments

__all__ = ["env"]   # the module-scoped node fixture, shared

KEYS = ["server", "flavor", "name", "imageRef", "flavorRef", "networks", "metadata",
        "min_count", "max_count", "user_data", "key_name", "keypair", "public_key",
        "quota_set", "instances", "ram", "aggregate", "host", "availability_zone",
        "server_group", "policies", "reboot", "type", "resize", "rebuild", "createImage",
        "os-start", "extra_specs", "addTenantAccess", "tenant", "status", "disabled_reason",
        "binary", "meta", "lock", "os-resetState", "state"]
bodies = json_values | st.dictionaries(
    st.sampled_from(KEYS), json_values | st.dictionaries(st.sampled_from(KEYS), json_values,
                                                         max_size=5), max_size=4)
QUERY = ["limit", "marker", "name", "status", "all_tenants", "sort_key", "sort_dir",
         "changes-since", "is_public", "minRam", "minDisk", "start", "end", "detailed",
         "host", "binary", "image", "flavor", "user_id"]


@FUZZ
@given(route=st.sampled_from(ROUTES), data=st.data(),
       query=st.dictionaries(st.sampled_from(QUERY), st.text(max_size=20), max_size=3))
def test_compute_never_500(env: dict[str, Any], route: Any, data: Any,
                           query: dict[str, str]) -> None:
    values = [_quote(data.draw(st.sampled_from(env["ids"] + ["42", "1"]) | segments))
              for _ in range(route.path.count("{"))]
    url = "/compute" + _path(route.path, values)
    body = data.draw(bodies) if route.method in ("POST", "PUT") else None

    async def go() -> httpx.Response:
        return await env["client"].request(route.method, url, params=query, json=body,
                                           headers={"X-Auth-Token": env["token"]})
    r = env["loop"].run_until_complete(go())
    assert r.status_code < 500, f"{route.method} {url} {query} {body}: {r.status_code} {r.text}"
    if r.status_code >= 400 and route.method != "HEAD" and r.content:
        fault = r.json()
        assert len(fault) == 1 and next(iter(fault.values()))["code"] == r.status_code
