"""Every page and form of the dashboard, on one screen. GETs render, POSTs change (each
checked for its CSRF token) and redirect back to a page."""

from __future__ import annotations

from nubo.dashboard.app import Route
from nubo.dashboard.handlers import admin, auth, instances, networks, overview, storage

INST = "/instances/{id}"

ROUTES = [
    Route("/login", "GET", auth.login_form, login=False),
    Route("/login", "POST", auth.login, login=False),
    Route("/logout", "POST", auth.logout, login=False),
    Route("/project", "POST", auth.switch_project),
    Route("/", "GET", overview.overview),
    # compute
    Route("/instances", "GET", instances.index),
    Route("/instances/rows", "GET", instances.rows),           # htmx: the live rows
    Route("/instances/new", "GET", instances.new),
    Route("/instances", "POST", instances.create),
    Route(INST, "GET", instances.show),
    Route(f"{INST}/summary", "GET", instances.summary),           # htmx: live status
    Route(f"{INST}/console-log", "GET", instances.console_log),   # htmx: the log
    Route(f"{INST}/console", "POST", instances.console),          # to noVNC
    Route(f"{INST}/action/{{action}}", "POST", instances.action),
    Route(f"{INST}/volumes", "POST", instances.attach),
    Route(f"{INST}/volumes/{{volume}}/detach", "POST", instances.detach),
    Route("/key-pairs", "GET", storage.keypairs),
    Route("/key-pairs", "POST", storage.create_keypair),
    Route("/key-pairs/{name}/delete", "POST", storage.delete_keypair),
    # image, volume
    Route("/images", "GET", storage.images),
    Route("/volumes", "GET", storage.volumes),
    Route("/volumes", "POST", storage.create_volume),
    Route("/volumes/{id}/delete", "POST", storage.delete_volume),
    Route("/volumes/{id}/attach", "POST", storage.attach_volume),
    Route("/volumes/{id}/detach", "POST", storage.detach_volume),
    # network
    Route("/networks", "GET", networks.networks),
    Route("/networks", "POST", networks.create_network),
    Route("/networks/{id}/delete", "POST", networks.delete_network),
    Route("/subnets", "POST", networks.create_subnet),
    Route("/subnets/{id}/delete", "POST", networks.delete_subnet),
    Route("/floating-ips", "GET", networks.floating_ips),
    Route("/floating-ips", "POST", networks.allocate),
    Route("/floating-ips/{id}/associate", "POST", networks.associate),
    Route("/floating-ips/{id}/delete", "POST", networks.release),
    Route("/security-groups", "GET", networks.security_groups),
    Route("/security-groups", "POST", networks.create_group),
    Route("/security-groups/{id}/delete", "POST", networks.delete_group),
    Route("/security-groups/{id}/rules", "POST", networks.create_rule),
    Route("/security-group-rules/{id}/delete", "POST", networks.delete_rule),
    # admin
    Route("/admin/hypervisors", "GET", admin.hypervisors),
    Route("/admin/services", "GET", admin.services),
    Route("/admin/flavors", "GET", admin.flavors),
    Route("/admin/projects", "GET", admin.projects),
]
