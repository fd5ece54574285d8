"""keystonemiddleware's access rule path patterns: `*` and `{x}` one segment, `**` any."""

from __future__ import annotations

from nubo.core.access_rules import AccessRule, allowed, path_matches


def test_path_patterns() -> None:
    assert path_matches("/v2.1/servers/abc/ips", "/v2.1/servers/*/ips")
    assert not path_matches("/v2.1/servers/a/b/ips", "/v2.1/servers/*/ips")
    assert path_matches("/v2.1/servers/a/b/ips", "/v2.1/servers/**")
    assert path_matches("/v3/users/42", "/v3/users/{user_id}")
    assert not path_matches("/v3/users/42/x", "/v3/users/{user_id}")
    assert not path_matches("/v2.1/servers", "/v2.1/server")
    assert not path_matches("/v2x1/servers", "/v2.1/servers")


def test_allowed_by_service_method_and_either_path_form() -> None:
    rules = (AccessRule("compute", "GET", "/v2.1/servers"),)
    assert allowed(rules, "compute", "GET", "/compute", "/compute/v2.1/servers")
    assert not allowed(rules, "compute", "POST", "/compute", "/compute/v2.1/servers")
    assert not allowed(rules, "network", "GET", "/networking", "/networking/v2.1/servers")
    full = (AccessRule("compute", "GET", "/compute/v2.1/servers"),)
    assert allowed(full, "compute", "GET", "/compute", "/compute/v2.1/servers")
    assert allowed((), "identity", "GET", "/identity", "/identity/v3/auth/tokens")
    assert not allowed((), "identity", "GET", "/identity", "/identity/v3/users")
