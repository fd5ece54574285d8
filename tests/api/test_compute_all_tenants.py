"""all_tenants on the server list (issue 19), as Nova's ServersController._get_servers: a true
value (common.is_all_tenants: strutils' strict booleans, an empty value is true) is checked
against os_compute_api:servers:{index,detail}:get_all_tenants, rule:context_is_admin by
default, so a member gets 403; a false value lists the caller's own servers; an
unrecognised value is InvalidInput (400)."""

from __future__ import annotations

from tests.conftest import Api

S = "/compute/v2.1/servers"


async def test_member_all_tenants_is_forbidden(api: Api) -> None:
    await api.make_user("mem", "pw", project="demo")
    tok = await api.token("mem", "pw", "demo")
    for path, rule in ((f"{S}/detail?all_tenants=True", "detail"),
                       (f"{S}?all_tenants=1", "index"), (f"{S}?all_tenants", "index"),
                       (f"{S}/detail?all_tenants=", "detail")):
        r = await api.req("GET", path, token=tok)
        assert r.status_code == 403, (path, r.text)
        msg = r.json()["forbidden"]["message"]
        assert f"os_compute_api:servers:{rule}:get_all_tenants" in msg, msg
    for path in (f"{S}?all_tenants=False", f"{S}/detail?all_tenants=0"):
        assert (await api.ok("GET", path, token=tok))["servers"] == []
    r = await api.req("GET", f"{S}?all_tenants=junk", token=tok)
    assert r.status_code == 400 and "Unrecognized value 'junk'" in r.text, r.text
    # the admin may
    await api.ok("GET", f"{S}/detail?all_tenants=True")
    await api.ok("GET", f"{S}?all_tenants")
