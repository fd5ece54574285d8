"""Security groups and rules (Neutron's `security-group` extension), on one screen."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.network import handlers_secgroups as h

SG = "/v2.0/security-groups"
SGR = "/v2.0/security-group-rules"

SG_ROUTES: list[Route] = [
    Route(SG, "GET", h.list_groups),
    Route(SG, "POST", h.create_group),
    Route(SG + "/{id}", "GET", h.show_group),
    Route(SG + "/{id}", "PUT", h.update_group),
    Route(SG + "/{id}", "DELETE", h.delete_group),
    Route(SGR, "GET", h.list_rules),
    Route(SGR, "POST", h.create_rule),
    Route(SGR + "/{id}", "GET", h.show_rule),
    Route(SGR + "/{id}", "DELETE", h.delete_rule),
]
