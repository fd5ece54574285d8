"""Compute API: os-hosts, os-instance_usage_audit_log and os-server-password."""

from __future__ import annotations

from nubo.compute.handlers import legacy_admin as h
from nubo.core.http import Route

HOSTS = "/v2.1/os-hosts"
HOST = HOSTS + "/{host}"
AUDIT = "/v2.1/os-instance_usage_audit_log"
PASSWORD = "/v2.1/servers/{server_id}/os-server-password"

LEGACY_ADMIN_ROUTES: list[Route] = [
    # deprecated in 2.43: os-services and os-hypervisors say the same
    Route(HOSTS, "GET", h.hosts_list, max_version="2.42"),
    Route(HOST, "GET", h.host_show, max_version="2.42"),
    Route(HOST, "PUT", h.host_update, max_version="2.42"),
    Route(HOST + "/startup", "GET", h.host_startup, max_version="2.42"),
    Route(HOST + "/shutdown", "GET", h.host_shutdown, max_version="2.42"),
    Route(HOST + "/reboot", "GET", h.host_reboot, max_version="2.42"),
    Route(AUDIT, "GET", h.audit_log_list),
    Route(AUDIT + "/{before_timestamp}", "GET", h.audit_log_show),
    Route(PASSWORD, "GET", h.password_show),
    Route(PASSWORD, "DELETE", h.password_clear),
]
