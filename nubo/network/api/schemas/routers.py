"""Router bodies (router, extraroute, extraroute-atomic, l3 interfaces), floating IPs and
their port forwardings."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    AZ_HINTS,
    BOOLEAN,
    CIDR,
    IP_ADDRESS,
    IP_ADDRESS_OR_NULL,
    NAME,
    PROJECT_ID,
    TAGS,
    UUID,
    UUID_OR_NULL,
    attributes,
    only,
    resource,
    string,
)

_ROUTE = {"type": "object", "properties": {"destination": CIDR, "nexthop": IP_ADDRESS},
          "required": ["destination", "nexthop"], "additionalProperties": False}
ROUTES = {"type": ["array", "null"], "items": _ROUTE}
_GATEWAY = {"type": ["object", "null"], "properties": {
    "network_id": UUID, "enable_snat": BOOLEAN,
    "external_fixed_ips": {"type": "array", "items": {"type": "object", "properties": {
        "subnet_id": UUID, "ip_address": IP_ADDRESS}}}},
    "additionalProperties": False}
_ROUTER = attributes({
    "name": NAME, "description": string(nullable=True), "admin_state_up": BOOLEAN,
    "external_gateway_info": _GATEWAY, "project_id": PROJECT_ID, "tenant_id": PROJECT_ID,
    "routes": ROUTES, "availability_zone_hints": AZ_HINTS, "tags": TAGS})
CREATE_ROUTER = resource("router", _ROUTER)
UPDATE_ROUTER = resource("router", only(_ROUTER, (
    "name", "description", "admin_state_up", "external_gateway_info", "routes")))
#: PUT /routers/{id}/add_extraroutes and remove_extraroutes
EXTRAROUTES = resource("router", attributes({"routes": ROUTES}, required=("routes",)))
#: PUT /routers/{id}/add_router_interface and remove_router_interface: a subnet or a port
#: (both for a removal); the service words a refusal as Neutron does ("Bad router request")
INTERFACE = {"type": "object", "properties": {"subnet_id": UUID, "port_id": UUID},
             "anyOf": [{"required": ["subnet_id"]}, {"required": ["port_id"]}]}

_FIP = attributes({
    "floating_network_id": UUID, "floating_ip_address": IP_ADDRESS_OR_NULL,
    "subnet_id": UUID_OR_NULL, "port_id": UUID_OR_NULL, "fixed_ip_address": IP_ADDRESS_OR_NULL,
    "description": string(nullable=True), "project_id": PROJECT_ID, "tenant_id": PROJECT_ID,
    "tags": TAGS}, required=("floating_network_id",))
CREATE_FIP = resource("floatingip", _FIP)
UPDATE_FIP = resource("floatingip", only(_FIP, ("port_id", "fixed_ip_address",
                                               "description")))

_PORT_NUMBER = {"type": ["integer", "string", "null"]}
_PF = attributes({
    "internal_port_id": UUID_OR_NULL, "internal_ip_address": IP_ADDRESS_OR_NULL,
    "internal_port": _PORT_NUMBER, "external_port": _PORT_NUMBER,
    "protocol": {"type": ["string", "null"], "enum": ["tcp", "udp", None]},
    "description": string(nullable=True)})
#: a create requires internal_port_id, internal_port, external_port and protocol: the service
#: checks them (after the floating IP is found, as Neutron does)
PORT_FORWARDING = resource("port_forwarding", _PF)
