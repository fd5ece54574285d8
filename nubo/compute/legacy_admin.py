"""Compute API: os-hosts, os-instance_usage_audit_log and os-server-password."""

from __future__ import annotations

from nubo.core.http import Route

LEGACY_ADMIN_ROUTES: list[Route] = []
