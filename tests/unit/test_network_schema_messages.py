"""The network API's attribute schemas enforced with neutron-lib's messages
(network/api/schemas/enforce.py): for every value, the refusal is byte for byte the one the
hand-written checks (network/service/checks.py, which the schemas replace where they are
enforced) give - or both accept it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nubo.network import errors
from nubo.network.api.schemas import (
    enforce,
    networks,
    ports,
    routers,
    secgroups,
    subnetpools,
    subnets,
)
from nubo.network.api.schemas.types import BOOLEAN, attributes, resource
from nubo.network.service import checks

AWKWARD: list[Any] = [
    None, "", "x", "x" * 255, "x" * 256, "é" * 256, 0, 1, -1, 3.5, True, False, [], ["a"],
    {}, {"a": 1}, "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6BA7B8109DAD11D180B400C04FD430C8",
    "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c", "true", "FALSE", "0", "1", "yes", 2,
]


def _outcome(fn: Callable[[], None]) -> str | None:
    try:
        fn()
    except errors.NeutronError as e:
        return f"{type(e).__name__}: {e}"
    return None


def _same(schema: dict[str, Any], name: str, value: Any,
          hand: Callable[[dict[str, Any], str], None]) -> None:
    got = _outcome(lambda: enforce.check({name: value}, schema, (name,)))
    want = _outcome(lambda: hand({name: value}, name))
    assert got == want, (name, value)


#: (schema, attribute, the hand check the schema replaces)
CASES = [
    (routers.CREATE_ROUTER, "name", checks.string),
    (routers.CREATE_ROUTER, "project_id", checks.string),
    (routers.CREATE_ROUTER, "description",
     lambda a, n: checks.string(a, n, nullable=True)),
    (routers.CREATE_FIP, "floating_network_id", checks.uuid),
    (routers.CREATE_FIP, "subnet_id", checks.uuid_or_none),
    (routers.CREATE_FIP, "port_id", checks.uuid_or_none),
    (secgroups.CREATE_GROUP, "name", checks.string),
    (secgroups.CREATE_GROUP, "description", lambda a, n: checks.string(a, n, nullable=True)),
    (secgroups.CREATE_RULE, "security_group_id", checks.string),
    (secgroups.CREATE_RULE, "description", lambda a, n: checks.string(a, n, nullable=True)),
    (networks.CREATE, "name", checks.string),
    (networks.CREATE, "dns_domain", checks.string),
    (subnets.CREATE, "name", checks.string),
    (subnets.CREATE, "description", checks.string),
    (subnetpools.CREATE_POOL, "name", checks.string),
    (ports.CREATE, "device_owner", checks.string),
    (ports.CREATE, "tenant_id", checks.string),
    (ports.CREATE, "binding:host_id", lambda a, n: checks.string(a, n, nullable=True)),
]


@pytest.mark.parametrize(("schema", "name", "hand"), CASES)
@pytest.mark.parametrize("value", AWKWARD)
def test_schema_refuses_as_the_hand_check(schema: dict[str, Any], name: str,
                                         hand: Callable[[dict[str, Any], str], None],
                                         value: Any) -> None:
    _same(schema, name, value, hand)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5)


@settings(max_examples=200, deadline=None)
@given(value=JSONISH | st.text(min_size=250, max_size=260) | st.uuids().map(str))
@example(value=10**31)      # 32 digits: its text parses as a UUID, but a number is not one
def test_any_json_value_gets_the_same_answer(value: Any) -> None:
    for schema, name, hand in CASES:
        _same(schema, name, value, hand)


def test_boolean_reason_is_neutron_s() -> None:
    schema = resource("thing", attributes({"flag": BOOLEAN}))
    for value in (2, "yes", None, [], 1.5):
        got = _outcome(lambda v=value: enforce.check({"flag": v}, schema, ("flag",)))
        want = _outcome(lambda v=value: checks.boolean({"flag": v}, "flag"))
        assert got == want, value
    for value in (True, "TRUE", "0", 1):
        enforce.check({"flag": value}, schema, ("flag",))


def test_first_bad_attribute_in_the_order_given_wins() -> None:
    a = {"name": 1, "description": 2}
    with pytest.raises(errors.HTTPBadRequest) as e:
        enforce.check(a, routers.CREATE_ROUTER, ("description", "name"))
    assert str(e.value) == "Invalid input for description. Reason: '2' is not a valid string."


def test_a_schema_without_a_neutron_message_is_a_programming_error() -> None:
    schema = resource("thing", attributes({"mtu": {"type": "integer", "minimum": 68}}))
    with pytest.raises(ValueError, match="no Neutron message"):
        enforce.check({"mtu": 1}, schema, ("mtu",))
