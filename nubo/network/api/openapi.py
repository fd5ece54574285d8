"""The network API's OpenAPI document. Neutron checks bodies against attribute lists, not
JSON Schemas: a body read by `body.resource` / `bulk.resources` is documented as the object
of its resource key with exactly the attributes the operation takes (their types are checked
in code, as Neutron's attribute map does)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nubo.core.openapi import Schema, Spec
from nubo.network.api import wiring as api
from nubo.network.api.routes import ROUTES


def _attrs(args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[str, Schema] | None:
    key = args[1] if len(args) > 1 else kwargs.get("key")
    allowed = args[2] if len(args) > 2 else kwargs.get("allowed")
    required = kwargs.get("required", args[3] if len(args) > 3 else ())
    if not isinstance(key, str) or allowed is None:
        return None
    obj: Schema = {"type": "object", "properties": {a: {} for a in sorted(allowed)},
                   "additionalProperties": False}
    if required:
        obj["required"] = sorted(required)
    return key, obj


def resource(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Schema | None:
    found = _attrs(args, kwargs)
    if found is None:
        return None
    key, obj = found
    return {"type": "object", "required": [key], "properties": {key: obj}}


def resources(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Schema | None:
    """Neutron's create: one (`{"port": {...}}`) or in bulk (`{"ports": [{...}]}`)."""
    found = _attrs(args, kwargs)
    if found is None:
        return None
    key, obj = found
    return {"oneOf": [{"type": "object", "required": [key], "properties": {key: obj}},
                      {"type": "object", "required": [key + "s"], "properties": {
                          key + "s": {"type": "array", "minItems": 1, "items": obj}}}]}


SPEC = Spec("network", "Nubo Networking (OpenStack Neutron v2.0)", api.PREFIX, ROUTES,
            "neutron", readers={"resource": resource, "resources": resources})
