"""Domain configuration (issue 19), as keystone/api/domains.py and DomainConfigManager answer
with domain_specific_drivers_enabled false: the API is served all the same (the options are
validated, stored and shown; only a Keystone with domain drivers would use them). GET of a
domain without a config is 404 DomainConfigNotFound; PUT is 201 (200 when replacing); an
unsupported group or option is InvalidDomainConfig, a 403; ldap.password is stored but never
shown; /v3/domains/config/default shows keystone.conf's defaults."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

CUSTOM = {"identity": {"driver": "ldap"},
          "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org"}}


async def _domain(api: Api) -> str:
    d = await api.ok("POST", "/v3/domains", 201, json={"domain": {"name": "cfg"}})
    return str(d["domain"]["id"])


def _err(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    return str(r.json()["error"]["message"])


async def test_domain_config_lifecycle(api: Api) -> None:
    did = await _domain(api)
    base = f"/v3/domains/{did}/config"
    msg = _err(await api.req("GET", base), 404)
    assert msg == f"Could not find any options in domain configuration for domain {did}."
    got = await api.ok("PUT", base, 201, json={"config": {
        **CUSTOM, "ldap": {**CUSTOM["ldap"], "password": "secret"}}})
    assert got == {"config": CUSTOM}          # the sensitive password is not shown
    assert await api.ok("GET", base) == {"config": CUSTOM}
    assert await api.ok("GET", f"{base}/ldap") == {"config": {"ldap": CUSTOM["ldap"]}}
    assert await api.ok("GET", f"{base}/ldap/url") == {"config": {"url": CUSTOM["ldap"]["url"]}}
    _err(await api.req("GET", f"{base}/ldap/password"), 404)
    # PATCH a group, then one option
    got = await api.ok("PATCH", f"{base}/identity", json={"config": {"identity": {
        "driver": "d2", "list_limit": 7}}})
    assert got["config"]["identity"] == {"driver": "d2", "list_limit": 7}
    got = await api.ok("PATCH", f"{base}/identity/driver", json={"config": {"driver": "d3"}})
    assert got["config"]["identity"]["driver"] == "d3"
    await api.ok("DELETE", f"{base}/identity/driver", 204)
    _err(await api.req("GET", f"{base}/identity/driver"), 404)
    await api.ok("DELETE", f"{base}/identity", 204)
    _err(await api.req("GET", f"{base}/identity"), 404)
    assert (await api.ok("PUT", base, 200, json={"config": CUSTOM}))["config"] == CUSTOM
    await api.ok("DELETE", base, 204)
    _err(await api.req("GET", base), 404)


async def test_domain_config_refusals_and_defaults(api: Api) -> None:
    did = await _domain(api)
    base = f"/v3/domains/{did}/config"
    assert "Group nope is not supported" in _err(
        await api.req("PUT", base, json={"config": {"nope": {"x": 1}}}), 403)
    assert "Option x in group ldap is not supported" in _err(
        await api.req("PUT", base, json={"config": {"ldap": {"x": 1}}}), 403)
    assert "No options specified" in _err(await api.req("PUT", base, json={"config": {}}), 403)
    _err(await api.req("PATCH", f"{base}/ldap", json={"config": {"ldap": {"url": "u"}}}), 404)
    d = await api.ok("GET", "/v3/domains/config/default")
    assert d["config"]["identity"] == {"driver": "sql", "list_limit": None}
    assert d["config"]["ldap"]["url"] == "ldap://localhost" and "password" not in d["config"][
        "ldap"]
    assert await api.ok("GET", "/v3/domains/config/ldap/user_tree_dn/default") == {
        "config": {"user_tree_dn": None}}
    await api.make_user("mem", "pw", project="demo")
    tok = await api.token("mem", "pw", "demo")
    assert (await api.req("PUT", base, token=tok, json={"config": CUSTOM})).status_code == 403
