"""The network service's typed errors: a stable code per class, Neutron's message from the
template, the status of the core class, and the NeutronError body rendered in one place."""

from __future__ import annotations

import inspect
import string

import orjson

from nubo.core.errors import NuboError
from nubo.core.http import fault_body
from nubo.network import errors


def _classes() -> list[type[errors.NeutronError]]:
    return [c for _n, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, errors.NeutronError) and c is not errors.NeutronError]


def test_every_class_has_a_code_a_status_and_a_template_it_can_fill() -> None:
    assert len(_classes()) > 80
    for cls in _classes():
        assert cls.code and cls.code[0].isupper(), cls
        assert 400 <= cls.status < 600 and cls.status != 500, cls
        fields = {f for _t, f, _s, _c in string.Formatter().parse(cls.template) if f}
        err = cls(**{f: f"<{f}>" for f in fields})
        assert isinstance(err, NuboError)
        for f in fields:
            assert f"<{f}>" in err.message, cls


def test_neutron_messages_are_neutrons() -> None:
    assert errors.NetworkNotFound(id="n1").message == "Network n1 could not be found."
    assert errors.not_found("Port", "p1").code == "PortNotFound"
    err = errors.InvalidRoutes(routes=[{"destination": "10.0.0.0/24", "nexthop": "1.2.3.4"}],
                               reason="the nexthop is used by router")
    assert err.status == 400 and err.message == (
        "Invalid input for operation: Invalid format for routes: [{'destination': "
        "'10.0.0.0/24', 'nexthop': '1.2.3.4'}], the nexthop is used by router.")
    assert errors.BadRequest(resource="router", msg="x").message == "Bad router request: x."
    assert errors.SubnetAllocationError(reason="r").status == 409


def test_the_fault_body_is_neutrons() -> None:
    content, media = fault_body("neutron", errors.SecurityGroupInUse(id="g"), "req-1")
    assert media == "application/json"
    assert orjson.loads(content) == {"NeutronError": {
        "type": "SecurityGroupInUse", "message": "Security Group g in use.", "detail": ""}}
