"""The identity API's OpenAPI document: its route table as it is."""

from __future__ import annotations

from nubo.core.openapi import Spec
from nubo.identity import api
from nubo.identity.routes import ROUTES

SPEC = Spec("identity", "Nubo Identity (OpenStack Keystone v3)", api.PREFIX, ROUTES,
            "keystone")
