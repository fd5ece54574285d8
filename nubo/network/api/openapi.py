"""The network API's OpenAPI document: every request body is the JSON Schema its handler reads
it with (network/api/schemas: `body.resource`, `bulk.resources`, `body.document`)."""

from __future__ import annotations

from nubo.core.openapi import Spec, first_schema
from nubo.network.api import wiring as api
from nubo.network.api.routes import ROUTES

SPEC = Spec("network", "Nubo Networking (OpenStack Neutron v2.0)", api.PREFIX, ROUTES,
            "neutron", readers={"resource": first_schema,
                                "resources": first_schema, "document": first_schema})
