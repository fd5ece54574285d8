"""Compute API: the /images proxy onto the image service (deprecated in 2.36)."""

from __future__ import annotations

from nubo.core.http import Route

IMAGES_PROXY_ROUTES: list[Route] = []
