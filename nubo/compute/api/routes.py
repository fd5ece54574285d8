"""The compute API surface (Nova v2.1): every route of the service, on one screen.

Each route names its handler module directly: `POST /servers` is `servers.create` below.
The deprecated proxies (images, nova-network, security groups, os-hosts) are at the end,
their handlers in `proxies/`; their microversion ranges follow Nova's."""

from __future__ import annotations

from nubo.compute.api.handlers import (
    aggregates,
    discovery,
    flavors,
    groups,
    hypervisors,
    keypairs,
    quotas,
    servers,
    services,
    usage,
)
from nubo.compute.api.handlers import server_extras as x
from nubo.compute.api.handlers import server_network as net
from nubo.compute.api.handlers import volume_attachments as vol
from nubo.compute.api.proxies import images as img
from nubo.compute.api.proxies import legacy_admin_handlers as legacy
from nubo.compute.api.proxies import network_handlers as nn
from nubo.compute.api.proxies import secgroups_handlers as sgp
from nubo.core.http import Route

V = "/v2.1"
F = "/v2.1/flavors/{flavor_id}"
Q = "/v2.1/os-quota-sets/{project_id}"
S = "/v2.1/servers/{server_id}"
M = f"{S}/migrations/{{migration_id}}"
H = "/v2.1/os-hypervisors"
A = "/v2.1/os-aggregates/{aggregate_id}"
IMG = "/v2.1/images/{image_id}"
HOST = "/v2.1/os-hosts/{host}"
AUDIT = "/v2.1/os-instance_usage_audit_log"
PASSWORD = f"{S}/os-server-password"
PROXY_MAX = "2.35"      # Nova's MAX_PROXY_API_SUPPORT_VERSION
IMAGE_META_MAX = "2.38"  # Nova's image_metadata.py: api_version('2.1', '2.38')
SG_MAX = "2.35"
HOSTS_MAX = "2.42"      # os-hosts: deprecated in 2.43 (os-services and os-hypervisors say it)

ROUTES: list[Route] = [
    Route("/", "GET", discovery.versions, auth=False),
    Route(V, "GET", discovery.v21, auth=False),
    # servers
    Route(f"{V}/servers", "GET", servers.list_),
    Route(f"{V}/servers", "POST", servers.create),
    Route(f"{V}/servers/detail", "GET", servers.detail),
    Route(S, "GET", servers.show),
    Route(S, "PUT", servers.update),
    Route(S, "DELETE", servers.delete),
    Route(f"{S}/action", "POST", servers.action),
    Route(f"{S}/metadata", "GET", servers.get_metadata),
    Route(f"{S}/metadata", "PUT", servers.replace_metadata),
    Route(f"{S}/metadata", "POST", servers.update_metadata),
    Route(f"{S}/metadata/{{key}}", "GET", servers.get_meta_item),
    Route(f"{S}/metadata/{{key}}", "PUT", servers.put_meta_item),
    Route(f"{S}/metadata/{{key}}", "DELETE", servers.delete_meta_item),
    Route(f"{S}/os-instance-actions", "GET", servers.list_actions),
    Route(f"{S}/os-instance-actions/{{request_id}}", "GET", servers.show_action),
    Route(f"{S}/os-interface", "GET", net.interfaces_list),
    Route(f"{S}/os-interface", "POST", net.interface_attach),
    Route(f"{S}/os-interface/{{port_id}}", "GET", net.interface_show),
    Route(f"{S}/os-interface/{{port_id}}", "DELETE", net.interface_detach),
    Route(f"{S}/os-volume_attachments", "GET", vol.index),
    Route(f"{S}/os-volume_attachments", "POST", vol.create),
    Route(f"{S}/os-volume_attachments/{{volume_id}}", "GET", vol.show),
    Route(f"{S}/os-volume_attachments/{{volume_id}}", "PUT", vol.update),
    Route(f"{S}/os-volume_attachments/{{volume_id}}", "DELETE", vol.delete),
    Route(f"{S}/os-security-groups", "GET", net.security_groups_list),
    Route(f"{S}/ips", "GET", net.ips_list),
    Route(f"{S}/ips/{{network_label}}", "GET", net.ips_show),
    Route(f"{S}/tags", "GET", x.tags_list, min_version="2.26"),
    Route(f"{S}/tags", "PUT", x.tags_replace, min_version="2.26"),
    Route(f"{S}/tags", "DELETE", x.tags_clear, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "GET", x.tag_show, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "PUT", x.tag_add, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "DELETE", x.tag_delete, min_version="2.26"),
    Route(f"{S}/remote-consoles", "POST", x.remote_consoles, min_version="2.6"),
    Route(f"{S}/diagnostics", "GET", x.diagnostics),
    Route(f"{S}/migrations", "GET", x.server_migrations, min_version="2.23"),
    Route(M, "GET", x.server_migration, min_version="2.23"),
    Route(M, "DELETE", x.abort_migration, min_version="2.24"),
    Route(f"{M}/action", "POST", x.force_complete, min_version="2.22"),
    Route(PASSWORD, "GET", legacy.password_show),
    Route(PASSWORD, "DELETE", legacy.password_clear),
    Route(f"{V}/os-console-auth-tokens/{{token}}", "GET", x.console_token),
    Route(f"{V}/os-migrations", "GET", x.migrations_list),
    Route(f"{V}/os-server-external-events", "POST", x.external_events),
    Route(f"{V}/os-server-groups", "GET", groups.list_),
    Route(f"{V}/os-server-groups", "POST", groups.create),
    Route(f"{V}/os-server-groups/{{group_id}}", "GET", groups.show),
    Route(f"{V}/os-server-groups/{{group_id}}", "DELETE", groups.delete),
    # flavors
    Route(f"{V}/flavors", "GET", flavors.list_),
    Route(f"{V}/flavors", "POST", flavors.create),
    Route(f"{V}/flavors/detail", "GET", flavors.detail),
    Route(F, "GET", flavors.show),
    Route(F, "DELETE", flavors.delete),
    Route(F, "PUT", flavors.update, min_version="2.55"),
    Route(f"{F}/action", "POST", flavors.action),
    Route(f"{F}/os-flavor-access", "GET", flavors.access_list),
    Route(f"{F}/os-extra_specs", "GET", flavors.specs_list),
    Route(f"{F}/os-extra_specs", "POST", flavors.specs_create),
    Route(f"{F}/os-extra_specs/{{key}}", "GET", flavors.spec_show),
    Route(f"{F}/os-extra_specs/{{key}}", "PUT", flavors.spec_update),
    Route(f"{F}/os-extra_specs/{{key}}", "DELETE", flavors.spec_delete),
    # keypairs, quotas, limits, availability zones
    Route(f"{V}/os-keypairs", "GET", keypairs.list_),
    Route(f"{V}/os-keypairs", "POST", keypairs.create),
    Route(f"{V}/os-keypairs/{{name}}", "GET", keypairs.show),
    Route(f"{V}/os-keypairs/{{name}}", "DELETE", keypairs.delete),
    Route(Q, "GET", quotas.show),
    Route(Q, "PUT", quotas.update),
    Route(Q, "DELETE", quotas.delete),
    Route(f"{Q}/defaults", "GET", quotas.defaults),
    Route(f"{Q}/detail", "GET", quotas.detail),
    Route(f"{V}/os-quota-class-sets/{{class_name}}", "GET", quotas.class_show),
    Route(f"{V}/os-quota-class-sets/{{class_name}}", "PUT", quotas.class_update),
    Route(f"{V}/limits", "GET", quotas.limits),
    Route(f"{V}/os-availability-zone", "GET", quotas.zones),
    Route(f"{V}/os-availability-zone/detail", "GET", quotas.zones_detail),
    # admin areas: services, hypervisors, aggregates, usage, audit log
    Route(f"{V}/os-services", "GET", services.list_),
    Route(f"{V}/os-services/{{action}}", "PUT", services.update),
    Route(H, "GET", hypervisors.list_),
    Route(f"{H}/detail", "GET", hypervisors.detail),
    Route(f"{H}/statistics", "GET", hypervisors.statistics),
    Route(f"{H}/{{hypervisor_id}}", "GET", hypervisors.show),
    Route(f"{H}/{{hypervisor_id}}/uptime", "GET", hypervisors.uptime),
    # replaced by ?hypervisor_hostname_pattern= and ?with_servers= in 2.53
    Route(f"{H}/{{pattern}}/search", "GET", hypervisors.search, max_version="2.52"),
    Route(f"{H}/{{pattern}}/servers", "GET", hypervisors.servers, max_version="2.52"),
    Route(f"{V}/os-aggregates", "GET", aggregates.list_),
    Route(f"{V}/os-aggregates", "POST", aggregates.create),
    Route(A, "GET", aggregates.show),
    Route(A, "PUT", aggregates.update),
    Route(A, "DELETE", aggregates.delete),
    Route(f"{A}/action", "POST", aggregates.action),
    Route(f"{V}/os-simple-tenant-usage", "GET", usage.list_),
    Route(f"{V}/os-simple-tenant-usage/{{project_id}}", "GET", usage.show),
    Route(AUDIT, "GET", legacy.audit_log_list),
    Route(AUDIT + "/{before_timestamp}", "GET", legacy.audit_log_show),
    # /extensions (Nova keeps it) and the deprecated proxies
    Route(f"{V}/extensions", "GET", nn.ext_list),
    Route(f"{V}/extensions/{{alias}}", "GET", nn.ext_show),
    Route(f"{V}/images", "GET", img.index, max_version=PROXY_MAX),
    Route(f"{V}/images", "DELETE", img.not_found, max_version=PROXY_MAX),
    Route(f"{V}/images/detail", "GET", img.detail, max_version=PROXY_MAX),
    Route(IMG, "GET", img.show, max_version=PROXY_MAX),
    Route(IMG, "DELETE", img.delete, max_version=PROXY_MAX),
    Route(f"{IMG}/metadata", "GET", img.meta_index, max_version=IMAGE_META_MAX),
    Route(f"{IMG}/metadata", "POST", img.meta_create, max_version=IMAGE_META_MAX),
    Route(f"{IMG}/metadata", "PUT", img.meta_update_all, max_version=IMAGE_META_MAX),
    Route(f"{IMG}/metadata/{{key}}", "GET", img.meta_show, max_version=IMAGE_META_MAX),
    Route(f"{IMG}/metadata/{{key}}", "PUT", img.meta_update, max_version=IMAGE_META_MAX),
    Route(f"{IMG}/metadata/{{key}}", "DELETE", img.meta_delete, max_version=IMAGE_META_MAX),
    Route(f"{V}/os-security-groups", "GET", sgp.list_, max_version=SG_MAX),
    Route(f"{V}/os-security-groups", "POST", sgp.create, max_version=SG_MAX),
    Route(f"{V}/os-security-groups", "DELETE", sgp.not_found, max_version=SG_MAX),
    Route(f"{V}/os-security-groups/{{group_id}}", "GET", sgp.show, max_version=SG_MAX),
    Route(f"{V}/os-security-groups/{{group_id}}", "PUT", sgp.update, max_version=SG_MAX),
    Route(f"{V}/os-security-groups/{{group_id}}", "DELETE", sgp.delete, max_version=SG_MAX),
    Route(f"{V}/os-security-group-rules", "POST", sgp.rule_create, max_version=SG_MAX),
    Route(f"{V}/os-security-group-rules/{{rule_id}}", "DELETE", sgp.rule_delete,
          max_version=SG_MAX),
    Route(f"{V}/os-floating-ip-pools", "GET", nn.pools, max_version=PROXY_MAX),
    Route(f"{V}/os-floating-ips", "GET", nn.fip_list, max_version=PROXY_MAX),
    Route(f"{V}/os-floating-ips", "POST", nn.fip_create, max_version=PROXY_MAX),
    Route(f"{V}/os-floating-ips/{{id}}", "GET", nn.fip_show, max_version=PROXY_MAX),
    Route(f"{V}/os-floating-ips/{{id}}", "DELETE", nn.fip_delete, max_version=PROXY_MAX),
    Route(f"{V}/os-networks", "GET", nn.net_list, max_version=PROXY_MAX),
    Route(f"{V}/os-networks", "POST", nn.gone),
    Route(f"{V}/os-networks/add", "POST", nn.gone),
    Route(f"{V}/os-networks/{{id}}", "GET", nn.net_show, max_version=PROXY_MAX),
    Route(f"{V}/os-networks/{{id}}", "DELETE", nn.gone),
    Route(f"{V}/os-networks/{{id}}/action", "POST", nn.net_action),
    Route(f"{V}/os-tenant-networks", "GET", nn.tenant_net_list, max_version=PROXY_MAX),
    Route(f"{V}/os-tenant-networks", "POST", nn.gone),
    Route(f"{V}/os-tenant-networks/{{id}}", "GET", nn.tenant_net_show, max_version=PROXY_MAX),
    Route(f"{V}/os-tenant-networks/{{id}}", "DELETE", nn.gone),
    Route("/v2.1/os-hosts", "GET", legacy.hosts_list, max_version=HOSTS_MAX),
    Route(HOST, "GET", legacy.host_show, max_version=HOSTS_MAX),
    Route(HOST, "PUT", legacy.host_update, max_version=HOSTS_MAX),
    Route(HOST + "/startup", "GET", legacy.host_startup, max_version=HOSTS_MAX),
    Route(HOST + "/shutdown", "GET", legacy.host_shutdown, max_version=HOSTS_MAX),
    Route(HOST + "/reboot", "GET", legacy.host_reboot, max_version=HOSTS_MAX),
]
