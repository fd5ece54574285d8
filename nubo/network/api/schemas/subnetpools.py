"""Subnet pool bodies (with add/remove prefixes) and address scope bodies. An update may name
the read-only attributes: the service refuses them with Neutron's message."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    BOOLEAN,
    CIDR,
    DESCRIPTION,
    NAME,
    PREFIXLEN,
    PROJECT_ID,
    TAGS,
    UUID,
    UUID_OR_NULL,
    attributes,
    bulk,
    only,
    resource,
)

PREFIXES = {"type": "array", "items": CIDR}
_POOL = attributes({
    "name": NAME, "description": DESCRIPTION, "prefixes": PREFIXES,
    "default_prefixlen": PREFIXLEN, "min_prefixlen": PREFIXLEN, "max_prefixlen": PREFIXLEN,
    "default_quota": {"type": ["integer", "string", "null"]}, "is_default": BOOLEAN,
    "shared": BOOLEAN, "address_scope_id": UUID_OR_NULL, "project_id": PROJECT_ID,
    "tenant_id": PROJECT_ID, "tags": TAGS, "id": UUID,
    "ip_version": {"type": ["integer", "string"]}})
CREATE_POOL = bulk("subnetpool", only(_POOL, (
    "name", "description", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
    "default_quota", "is_default", "shared", "address_scope_id", "project_id", "tenant_id",
    "tags")) | {"required": ["name", "prefixes"]})
UPDATE_POOL = resource("subnetpool", only(_POOL, (
    "name", "description", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
    "default_quota", "is_default", "address_scope_id",
    # read-only: refused by the service
    "id", "ip_version", "shared", "project_id", "tenant_id")))
#: PUT /subnetpools/{id}/add_prefixes and remove_prefixes
PREFIX_OPS = {"type": "object", "required": ["prefixes"],
              "properties": {"prefixes": PREFIXES | {"minItems": 1}}}

_SCOPE = attributes({"name": NAME, "shared": BOOLEAN,
                     "ip_version": {"type": ["integer", "string"], "enum": [4, 6, "4", "6"]},
                     "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "id": UUID})
CREATE_SCOPE = bulk("address_scope", only(_SCOPE, (
    "name", "shared", "ip_version", "project_id", "tenant_id")) | {"required": ["ip_version"]})
UPDATE_SCOPE = resource("address_scope", only(_SCOPE, (
    "name", "shared",
    # read-only: refused by the service
    "id", "ip_version", "project_id", "tenant_id")))
