"""The OpenAPI documents: every route of every table is in its service's document, with the
schema its handler validates against, and each document is served without a token."""

from __future__ import annotations

import re

import pytest

from nubo.compute.api.openapi import SPEC as COMPUTE
from nubo.compute.api.schemas.servers import action_schema
from nubo.compute.api.versions import MAX
from nubo.core.openapi import Spec, document
from nubo.identity import schemas as identity_schemas
from nubo.identity.openapi import SPEC as IDENTITY
from nubo.image import schemas as image_schemas
from nubo.image.openapi import SPEC as IMAGE
from nubo.network.api.openapi import SPEC as NETWORK
from nubo.placement import schemas as placement_schemas
from nubo.placement.openapi import SPEC as PLACEMENT
from nubo.placement.versions import VERSIONS as PLACEMENT_VERSIONS

SPECS = [IDENTITY, IMAGE, COMPUTE, PLACEMENT, NETWORK]


def _body(doc: dict, method: str, path: str) -> dict:
    op = doc["paths"][path][method]
    (content,) = op["requestBody"]["content"].values()
    schema: dict = content["schema"]
    return schema


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_route_is_an_operation(spec: Spec) -> None:
    doc = document(spec)
    assert doc["openapi"] == "3.1.0"
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    want = {(r.method, re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}",
                              spec.prefix + (r.path if r.path != "/" else "")))
            for r in spec.routes}
    assert ops == want
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    for path, item in doc["paths"].items():
        for op in item.values():
            names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert names == set(re.findall(r"\{([^}]+)\}", path))
            assert any(c[0] in "23" for c in op["responses"]), (path, op["responses"])
            assert op["responses"]["404"]["content"]


def test_request_bodies_are_the_handlers_schemas() -> None:
    ident = document(IDENTITY)
    assert _body(ident, "post", "/identity/v3/projects") == identity_schemas.PROJECT_CREATE
    assert ident["paths"]["/identity/v3/auth/tokens"]["post"]["security"] == []
    image = document(IMAGE)
    assert _body(image, "post", "/image/v2/images/{image_id}/members") == (
        image_schemas.MEMBER_CREATE)
    # the newest microversion's schema
    place = document(PLACEMENT)
    assert _body(place, "post", "/placement/resource_providers") == (
        placement_schemas.provider_post(PLACEMENT_VERSIONS.maximum))
    compute = document(COMPUTE)
    actions = _body(compute, "post", "/compute/v2.1/servers/{server_id}/action")["oneOf"]
    reboot = next(a for a in actions if a["required"] == ["reboot"])
    assert reboot["properties"]["reboot"] == action_schema("reboot", MAX)
    # a body read through a local (`schema = A if new else B`): the newer one
    flavor = _body(compute, "post", "/compute/v2.1/flavors")
    assert "description" in flavor["properties"]["flavor"]["properties"]


def test_network_bodies_are_the_accepted_attributes() -> None:
    doc = document(NETWORK)
    one, bulk = _body(doc, "post", "/networking/v2.0/ports")["oneOf"]
    port = one["properties"]["port"]
    assert port["additionalProperties"] is False and port["required"] == ["network_id"]
    assert "device_id" in port["properties"]
    assert bulk["properties"]["ports"]["items"] == port
    assert port["properties"]["admin_state_up"]["anyOf"][0] == {"type": "boolean"}


def test_every_network_body_has_a_schema() -> None:
    """Neutron's bodies are JSON Schemas (network/api/schemas), the interface and prefix
    operations included."""
    doc = document(NETWORK)
    bodies = {(m, p): op["requestBody"] for p, ops in doc["paths"].items()
              for m, op in ops.items() if isinstance(op, dict) and "requestBody" in op}
    assert len(bodies) >= 28
    assert not [k for k, b in bodies.items() if b.get("x-nubo-schema") == "none"]
    iface = bodies["put", "/networking/v2.0/routers/{id}/add_router_interface"]
    assert iface["content"]["application/json"]["schema"]["properties"]["subnet_id"] == {
        "type": "string", "format": "uuid"}
    net = bodies["put", "/networking/v2.0/networks/{network_id}"]["content"][
        "application/json"]["schema"]["properties"]["network"]
    assert net["additionalProperties"] is False and "availability_zone_hints" not in net[
        "properties"]


def test_a_body_without_a_schema_says_so() -> None:
    doc = document(IDENTITY)
    body = doc["paths"]["/identity/v3/domains/{domain_id}/config"]["put"]["requestBody"]
    assert body["x-nubo-schema"] == "none"
    # a PUT that reads no body has none
    assert "requestBody" not in document(IDENTITY)["paths"][
        "/identity/v3/projects/{project_id}/tags/{tag}"]["put"]


def test_draft4_exclusive_bounds_are_openapi_31() -> None:
    from nubo.core.openapi import openapi_schema

    assert openapi_schema({"minimum": 0, "exclusiveMinimum": True}) == {"exclusiveMinimum": 0}
    assert openapi_schema({"maximum": 5, "exclusiveMaximum": False}) == {"maximum": 5}
