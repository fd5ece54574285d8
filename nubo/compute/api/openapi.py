"""The compute API's OpenAPI document: the route table, with the server and aggregate
actions' bodies spelled out (their handlers dispatch on the action's name)."""

from __future__ import annotations

from nubo.compute.api import wiring as api
from nubo.compute.api.handlers import aggregates, server_network
from nubo.compute.api.routes import ROUTES
from nubo.compute.api.schemas import servers as schemas_servers
from nubo.compute.api.versions import MAX, VERSIONS
from nubo.core.openapi import Spec, action_body

_ACTIONS = {**{n: schemas_servers.action_schema(n, MAX) for n in schemas_servers.ACTIONS},
            "lock": schemas_servers.action_schema("lock", MAX), **server_network.ACTIONS}

SPEC = Spec("compute", "Nubo Compute (OpenStack Nova v2.1)", api.PREFIX, ROUTES, "nova",
            VERSIONS, bodies={
                ("POST", "/v2.1/servers/{server_id}/action"): action_body(_ACTIONS),
                ("POST", "/v2.1/os-aggregates/{aggregate_id}/action"): {
                    "anyOf": list(aggregates.ACTIONS.values())},
            })
