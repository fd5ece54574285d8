"""Compute API: the nova-network era proxies onto Neutron (deprecated in 2.36) and /extensions."""

from __future__ import annotations

from nubo.core.http import Route

NETWORK_PROXY_ROUTES: list[Route] = []
