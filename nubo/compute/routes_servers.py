"""The servers part of the compute route table."""

from __future__ import annotations

from nubo.compute.handlers import groups, servers
from nubo.compute.handlers import secgroups_proxy as sgp
from nubo.compute.handlers import server_network as net
from nubo.core.http import Route

S = "/v2.1/servers/{server_id}"

SERVER_ROUTES: list[Route] = [
    Route("/v2.1/servers", "GET", servers.list_),
    Route("/v2.1/servers", "POST", servers.create),
    Route("/v2.1/servers/detail", "GET", servers.detail),
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
    Route(f"{S}/os-security-groups", "GET", net.security_groups_list),
    Route(f"{S}/ips", "GET", net.ips_list),
    Route(f"{S}/ips/{{network_label}}", "GET", net.ips_show),
    # Nova's deprecated proxy onto Neutron's security groups, gone from 2.36
    Route("/v2.1/os-security-groups", "GET", sgp.list_, max_version="2.35"),
    Route("/v2.1/os-security-groups", "POST", sgp.create, max_version="2.35"),
    Route("/v2.1/os-security-groups", "DELETE", sgp.not_found, max_version="2.35"),
    Route("/v2.1/os-security-groups/{group_id}", "GET", sgp.show, max_version="2.35"),
    Route("/v2.1/os-security-groups/{group_id}", "PUT", sgp.update, max_version="2.35"),
    Route("/v2.1/os-security-groups/{group_id}", "DELETE", sgp.delete, max_version="2.35"),
    Route("/v2.1/os-security-group-rules", "POST", sgp.rule_create, max_version="2.35"),
    Route("/v2.1/os-security-group-rules/{rule_id}", "DELETE", sgp.rule_delete,
          max_version="2.35"),
    Route("/v2.1/os-server-groups", "GET", groups.list_),
    Route("/v2.1/os-server-groups", "POST", groups.create),
    Route("/v2.1/os-server-groups/{group_id}", "GET", groups.show),
    Route("/v2.1/os-server-groups/{group_id}", "DELETE", groups.delete),
]
