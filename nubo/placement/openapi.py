"""The placement API's OpenAPI document: its route table as it is."""

from __future__ import annotations

from nubo.core.openapi import Spec
from nubo.placement import api
from nubo.placement.routes import ROUTES
from nubo.placement.versions import VERSIONS

SPEC = Spec("placement", "Nubo Placement (OpenStack Placement)", api.PREFIX, ROUTES,
            "placement", VERSIONS)
