"""Extra DHCP options: Neutron's validation of `extra_dhcp_opts` and the update merge."""

from __future__ import annotations

from typing import Any

import pytest

from nubo.core.errors import BadRequest
from nubo.network.service.dhcp_opts import for_create, merged, validate


def o(name: str, value: str | None, v: int = 4) -> dict[str, Any]:
    return {"opt_name": name, "opt_value": value, "ip_version": v}


def test_validate_defaults_and_converts_ip_version() -> None:
    assert validate(None) is None
    assert validate([{"opt_name": "a", "opt_value": "1"},
                     {"opt_name": "a", "opt_value": "2", "ip_version": "6"}]) == [
        o("a", "1"), o("a", "2", 6)]
    assert validate([{"opt_name": "router", "opt_value": ""}]) == [o("router", "")]


@pytest.mark.parametrize("bad", [
    "x", ["x"], [{"opt_name": "a"}], [{"opt_value": "a"}],
    [{"opt_name": "a", "opt_value": "1", "other": 1}],
    [{"opt_name": "", "opt_value": "1"}], [{"opt_name": "a", "opt_value": ""}],
    [{"opt_name": "a", "opt_value": "1\nx"}], [{"opt_name": "router", "opt_value": "\n"}],
    [{"opt_name": "a" * 65, "opt_value": "1"}], [{"opt_name": "a", "opt_value": "1" * 256}],
    [{"opt_name": "a", "opt_value": 5}], [{"opt_name": "a", "opt_value": "1", "ip_version": 5}],
    [{"opt_name": "a", "opt_value": "1", "ip_version": "x"}],
    [{"opt_name": "a", "opt_value": "1"}, {"opt_name": "a", "opt_value": "2"}],
])
def test_validate_refuses(bad: Any) -> None:
    with pytest.raises(BadRequest, match="extra_dhcp_opts"):
        validate(bad)


def test_create_keeps_only_options_with_a_value() -> None:
    assert for_create([o("a", "1"), o("b", None), o("router", "")]) == [
        o("a", "1"), o("router", "")]


def test_update_merges_by_name_and_version() -> None:
    have = [o("a", "1"), o("b", "2"), o("a", "3", 6)]
    assert merged(have, [o("a", "9"), o("b", None), o("c", "4"), o("d", None)]) == [
        o("a", "9"), o("a", "3", 6), o("c", "4")]
    assert merged(have, []) == have
