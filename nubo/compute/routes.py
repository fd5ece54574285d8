"""The compute API surface (Nova v2.1), on one screen: each area's table, joined here."""

from __future__ import annotations

from nubo.compute.handlers import discovery
from nubo.core.http import Route

ROUTES: list[Route] = [
    Route("/", "GET", discovery.versions, auth=False),
    Route("/v2.1", "GET", discovery.v21, auth=False),
]
