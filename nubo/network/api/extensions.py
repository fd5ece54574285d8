"""Discovery: the version documents and /v2.0/extensions. Every extension alias either
network engineer implements is listed here (N2 adds routers', floating IPs' and security
groups' aliases to L3_AND_SG); clients such as Tempest and openstackclient decide what to call
from this list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.network.api.wiring import api
from nubo.network.errors import HTTPNotFound

UPDATED = "2024-01-01T00:00:00-00:00"

#: (alias, name, description) of the core area (N1)
CORE: list[tuple[str, str, str]] = [
    ("agent", "agent", "The agent management extension."),
    ("availability_zone", "Availability Zone", "The availability zone extension."),
    ("network_availability_zone", "Network Availability Zone",
     "Availability zone support for network."),
    ("l2_adjacency", "L2 Adjacency", "Display L2 Adjacency for Neutron Networks."),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external "
     "application"),
    ("external-net", "Neutron external network", "Adds external network attribute to network "
     "resource."),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
    ("quotas", "Quota management support", "Expose functions for quotas management per "
     "project"),
    ("quota_details", "Quota details management support", "Expose functions for quotas usage "
     "statistics per project"),
    ("port-security", "Port Security", "Provides port security"),
    ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. "
     "For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, "
     "server-ip-address, bootfile-name)"),
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
    ("standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields "
     "to all Neutron resources that have Neutron standard attributes."),
    ("standard-attr-revisions", "Resource revision numbers", "This extension will display the "
     "revision number of neutron resources."),
    ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, "
     "trunk, network_segment_range, router, network, policy, subnetpool, port, "
     "security_group, floatingip", "Enables to set tag on resources with standard attribute."),
    ("revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported."),
    ("project-id", "project_id field enabled", "Extension that indicates that project_id "
     "field is enabled."),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a "
     "network resource."),
    ("network-ip-availability", "Network IP Availability", "Provides IP availability data for "
     "each network and subnet."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is "
     "enabled."),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
    ("filter-validation", "Filter parameters validation", "Provides validation on filter "
     "parameters."),
    ("ip_allocation", "IP Allocation", "IP allocation extension."),
    ("subnet-external-network", "Subnet External Network", "Informs if the subnet is "
     "associated to an external network."),
    ("ip-substring-filtering", "IP address substring filtering", "Provides IP address "
     "substring filtering when listing ports"),
    ("tag", "Tag support", "Enables to set tag on resources."),
    ("service-type", "Neutron Service Type Management", "API for retrieving service "
     "providers for Neutron advanced services"),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet "
     "pool"),
    ("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a "
     "subnetpool as the default."),
    ("subnetpool-prefix-ops", "Subnet Pool Prefix Operations", "Provides support for "
     "adjusting the prefix list of subnet pools"),
    ("address-scope", "Address scope", "Address scopes extension."),
]
#: (alias, name, description) of routers, floating IPs and security groups (N2)
L3_AND_SG: list[tuple[str, str, str]] = [
    ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 "
     "Neutron networks and access to external networks via a NAT gateway."),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the "
     "router abstraction for specifying whether SNAT should occur on the external gateway"),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("router_availability_zone", "Router Availability Zone", "Availability zone support for "
     "router."),
    ("extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a "
     "router on server side by atomically adding/removing extra routes"),
    ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute "
     "to Floating IP resource"),
    ("security-group", "security-group", "The security groups extension."),
    ("stateful-security-group", "Stateful security group", "Indicates if the security group "
     "is stateful or not"),
    ("security-groups-normalized-cidr", "Security Group Rule normalized CIDR", "Add new "
     "field with normalized remote_ip_prefix cidr in SG rule"),
    ("security-groups-rules-belongs-to-default-sg", "Security group rule belongs to the "
     "project's default security group", "Flag to determine if the security group rule "
     "belongs to the project's default security group"),
    ("floating-ip-port-forwarding", "Floating IP Port Forwarding", "Allow to forward a "
     "floating IP's port to the port of a fixed IP of an internal port."),
    ("expose-port-forwarding-in-fip", "Expose port forwarding in FIP", "Expose port "
     "forwarding details in the floating IP resource."),
]


def _all() -> list[dict[str, object]]:
    return [{"alias": a, "name": n, "description": d, "updated": UPDATED, "links": []}
            for a, n, d in CORE + L3_AND_SG]


def aliases() -> list[str]:
    return [a for a, _, _ in CORE + L3_AND_SG]


async def list_(request: Request) -> Response:
    return json_response({"extensions": _all()})


async def show(request: Request) -> Response:
    alias = request.path_params["alias"]
    for e in _all():
        if e["alias"] == alias:
            return json_response({"extension": e})
    raise HTTPNotFound(msg=f"Extension with alias {alias} does not exist")


async def versions(request: Request) -> Response:
    base = api(request).base_url
    return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"href": f"{base}/v2.0/", "rel": "self"}]}]})


COLLECTIONS = ("network", "subnet", "port", "subnetpool", "address_scope", "router", "floatingip",
               "security_group", "security_group_rule", "quota", "agent")


async def v2(request: Request) -> Response:
    base = api(request).base_url
    res = []
    for name in COLLECTIONS:
        coll = name.replace("_", "-") + ("s" if name != "quota" else "s")
        res.append({"name": name, "collection": coll.replace("-", "_") if name == "quota"
                    else coll, "links": [{"href": f"{base}/v2.0/{coll}", "rel": "self"}]})
    return json_response({"resources": res})


async def service_providers(request: Request) -> Response:
    """service-type: no advanced service (VPN, load balancer, ...) has a provider here."""
    return json_response({"service_providers": []})
