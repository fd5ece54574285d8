"""The block storage API's OpenAPI document: its route table as it is."""

from __future__ import annotations

from nubo.core.openapi import Spec
from nubo.volume.api import wiring
from nubo.volume.api.routes import ROUTES
from nubo.volume.api.versions import VERSIONS

SPEC = Spec("volume", "Nubo Block Storage (OpenStack Cinder v3)", wiring.PREFIX, ROUTES,
            "nova", VERSIONS)
