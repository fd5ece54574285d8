"""Neutron's fault types and messages (neutron-lib's exceptions) as typed errors.

Each class has a stable `code` (the `type` of the NeutronError body) and a message `template`
filled from keyword arguments, as neutron-lib's `NeutronException.message % kwargs`. The service
raises them; `core/http.py` renders every one as `{"NeutronError": {type, message, detail}}`
in one place. The status comes from the core class each one extends.
"""

from __future__ import annotations

from typing import ClassVar

from nubo.core import errors


class NeutronError(errors.NuboError):
    """A Neutron fault: `template` formatted with the keyword arguments given."""

    template: ClassVar[str] = "{msg}"

    def __init__(self, **fields: object) -> None:
        self.fields = fields
        super().__init__(self.template.format(**fields))


# ------------------------------------------------------------------------------ 400

class HTTPBadRequest(NeutronError, errors.BadRequest):
    """What webob's HTTPBadRequest gives in Neutron (unknown or read-only attributes, values
    of the wrong type)."""

    code = "HTTPBadRequest"


class ForeignProject(HTTPBadRequest):
    """A non-admin named a project other than its own."""

    template = ("Specifying 'project_id' or 'tenant_id' other than the authenticated project "
                "in request requires admin privileges")


class BadRequest(NeutronError, errors.BadRequest):
    """neutron-lib's BadRequest: "Bad <resource> request: <msg>."."""

    code = "BadRequest"
    template = "Bad {resource} request: {msg}."


class PlainBadRequest(NeutronError, errors.BadRequest):
    """A BadRequest whose message is given whole (no "Bad <resource> request" prefix)."""

    code = "BadRequest"


class InvalidInput(NeutronError, errors.BadRequest):
    code = "InvalidInput"
    template = "Invalid input for operation: {msg}."


class AvailabilityZoneNotFound(NeutronError, errors.BadRequest):
    code = "AvailabilityZoneNotFound"
    template = "AvailabilityZone {zone} could not be found."


class InvalidAllocationPool(NeutronError, errors.BadRequest):
    code = "InvalidAllocationPool"
    template = "The allocation pool {pool} is not valid."


class OutOfBoundsAllocationPool(NeutronError, errors.BadRequest):
    code = "OutOfBoundsAllocationPool"
    template = "The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}."


class DNSNameServersExhausted(NeutronError, errors.BadRequest):
    code = "DNSNameServersExhausted"
    template = "Number of DNS nameservers exceeds the limit {quota}."


class HostRoutesExhausted(NeutronError, errors.BadRequest):
    code = "HostRoutesExhausted"
    template = ("Unable to complete operation for {subnet_id}. The number of host routes "
                "exceeds the limit {quota}.")


class NetworkSubnetPoolAffinityError(NeutronError, errors.BadRequest):
    code = "NetworkSubnetPoolAffinityError"
    template = "Subnets hosted on the same network must be allocated from the same subnet pool."


class RoutesExhausted(NeutronError, errors.BadRequest):
    code = "RoutesExhausted"
    template = ("Unable to complete operation for {router_id}. The number of routes exceeds "
                "the maximum {quota}.")


class InvalidRoutes(NeutronError, errors.BadRequest):
    code = "InvalidRoutes"
    template = "Invalid input for operation: Invalid format for routes: {routes}, {reason}."


class SubnetMismatchForPort(NeutronError, errors.BadRequest):
    code = "SubnetMismatchForPort"
    template = "Subnet {subnet_id} could not be found on port {port_id}"


class InvalidIpForNetwork(NeutronError, errors.BadRequest):
    code = "InvalidIpForNetwork"
    template = ("IP address {ip_address} is not a valid IP for any of the subnets on the "
                "specified network.")


class InvalidIpForSubnet(NeutronError, errors.BadRequest):
    code = "InvalidIpForSubnet"
    template = "IP address {ip_address} is not a valid IP for the specified subnet."


class DuplicateAddressPairInRequest(NeutronError, errors.BadRequest):
    code = "DuplicateAddressPairInRequest"
    template = "Request contains duplicate address pair: mac_address {mac_address}."


class IllegalSubnetPoolPrefixBounds(NeutronError, errors.BadRequest):
    code = "IllegalSubnetPoolPrefixBounds"
    template = ("Illegal prefix bounds: {prefix_type}={prefixlen}, "
                "{base_prefix_type}={base_prefixlen}.")


class IllegalSubnetPoolPrefixUpdate(NeutronError, errors.BadRequest):
    code = "IllegalSubnetPoolPrefixUpdate"
    template = "Illegal update to prefixes: {msg}."


class PrefixVersionMismatch(NeutronError, errors.BadRequest):
    code = "PrefixVersionMismatch"
    template = "Cannot mix IPv4 and IPv6 prefixes in a subnet pool."


class EmptySubnetPoolPrefixList(NeutronError, errors.BadRequest):
    code = "EmptySubnetPoolPrefixList"
    template = "Empty subnet pool prefix list."


class SubnetPoolDeleteError(NeutronError, errors.BadRequest):
    code = "SubnetPoolDeleteError"
    template = "Unable to delete subnet pool: {reason}."


class MaxPrefixSubnetAllocationError(NeutronError, errors.BadRequest):
    code = "MaxPrefixSubnetAllocationError"
    template = ("Unable to allocate subnet with prefix length {prefixlen}, maximum allowed "
                "prefix is {max_prefixlen}.")


class MinPrefixSubnetAllocationError(NeutronError, errors.BadRequest):
    code = "MinPrefixSubnetAllocationError"
    template = ("Unable to allocate subnet with prefix length {prefixlen}, minimum allowed "
                "prefix is {min_prefixlen}.")


class AddressScopeUpdateError(NeutronError, errors.BadRequest):
    code = "AddressScopeUpdateError"
    template = "Unable to update address scope {address_scope_id} : {reason}."


class IllegalSubnetPoolUpdate(NeutronError, errors.BadRequest):
    code = "IllegalSubnetPoolUpdate"
    template = "Illegal subnetpool update : {reason}."


class IllegalSubnetPoolIpVersionAssociationToAddressScope(NeutronError, errors.BadRequest):
    code = "IllegalSubnetPoolIpVersionAssociationToAddressScope"
    template = ("Illegal subnetpool association: subnetpool {subnetpool_id} cannot associate "
                "with address scope {address_scope_id} because subnetpool ip_version is not "
                "{ip_version}.")


class ExternalIpAddressExhausted(NeutronError, errors.BadRequest):
    code = "ExternalIpAddressExhausted"
    template = "Unable to find any IP address on external network {net_id}."


# security group rules (neutron/extensions/securitygroup.py)

class SecurityGroupRuleInvalidProtocol(NeutronError, errors.BadRequest):
    code = "SecurityGroupRuleInvalidProtocol"
    template = ("Security group rule protocol {protocol} not supported. Only protocol values "
                "{values} and integer representations [0 to 255] are supported.")


class SecurityGroupRuleInvalidEtherType(NeutronError, errors.BadRequest):
    code = "SecurityGroupRuleInvalidEtherType"
    template = ("Security group rule for ethertype '{ethertype}' not supported. Allowed values "
                "are {values}.")


class SecurityGroupInvalidPortValue(NeutronError, errors.BadRequest):
    code = "SecurityGroupInvalidPortValue"
    template = "Invalid value for port {port}"


class InvalidCIDR(NeutronError, errors.BadRequest):
    code = "InvalidCIDR"
    template = "Invalid CIDR {input} given as IP prefix."


class SecurityGroupProtocolRequiredWithPorts(NeutronError, errors.BadRequest):
    code = "SecurityGroupProtocolRequiredWithPorts"
    template = "Must also specify protocol if port range is given."


class SecurityGroupInvalidPortRange(NeutronError, errors.BadRequest):
    code = "SecurityGroupInvalidPortRange"
    template = "For TCP/UDP protocols, port_range_min must be <= port_range_max"


class SecurityGroupInvalidIcmpValue(NeutronError, errors.BadRequest):
    code = "SecurityGroupInvalidIcmpValue"
    template = "Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255."


class SecurityGroupMissingIcmpType(NeutronError, errors.BadRequest):
    code = "SecurityGroupMissingIcmpType"
    template = ("ICMP code (port-range-max) {value} is provided but ICMP type (port-range-min) "
                "is missing.")


class SecurityGroupInvalidProtocolForPort(NeutronError, errors.BadRequest):
    code = "SecurityGroupInvalidProtocolForPort"
    template = ("Ports cannot be specified for protocol {protocol}. Ports are only supported "
                "for {valid_port_protocols}.")


class SecurityGroupRuleParameterConflict(NeutronError, errors.BadRequest):
    code = "SecurityGroupRuleParameterConflict"
    template = "Conflicting value ethertype {ethertype} for CIDR {cidr}"


class SecurityGroupEthertypeConflictWithProtocol(NeutronError, errors.BadRequest):
    code = "SecurityGroupEthertypeConflictWithProtocol"
    template = "Invalid ethertype {ethertype} for protocol {protocol}."


class SecurityGroupMultipleRemoteEntites(NeutronError, errors.BadRequest):
    code = "SecurityGroupMultipleRemoteEntites"
    template = ("Only one of remote_ip_prefix or remote_group_id or remote_address_group_id "
                "may be provided.")


# ------------------------------------------------------------------------------ 403

class HTTPForbidden(NeutronError, errors.Forbidden):
    code = "HTTPForbidden"


class PolicyNotAuthorized(NeutronError, errors.Forbidden):
    """A policy rule refused the action ("(rule:<action>) is disallowed by policy")."""

    code = "PolicyNotAuthorized"
    template = "({action}) is disallowed by policy"


# ------------------------------------------------------------------------------ 404

class HTTPNotFound(NeutronError, errors.NotFound):
    code = "HTTPNotFound"


class NetworkNotFound(NeutronError, errors.NotFound):
    code = "NetworkNotFound"
    template = "Network {id} could not be found."


class SubnetNotFound(NeutronError, errors.NotFound):
    code = "SubnetNotFound"
    template = "Subnet {id} could not be found."


class PortNotFound(NeutronError, errors.NotFound):
    code = "PortNotFound"
    template = "Port {id} could not be found."


class AgentNotFound(NeutronError, errors.NotFound):
    code = "AgentNotFound"
    template = "Agent {id} could not be found."


class TagNotFound(NeutronError, errors.NotFound):
    code = "TagNotFound"
    template = "Tag {tag} could not be found for {resource} {resource_id}."


class SecurityGroupNotFound(NeutronError, errors.NotFound):
    code = "SecurityGroupNotFound"
    template = "Security group {id} does not exist"


class SecurityGroupRuleNotFound(NeutronError, errors.NotFound):
    code = "SecurityGroupRuleNotFound"
    template = "Security group rule {id} does not exist"


class RouterNotFound(NeutronError, errors.NotFound):
    code = "RouterNotFound"
    template = "Router {id} could not be found"


class RouterInterfaceNotFound(NeutronError, errors.NotFound):
    code = "RouterInterfaceNotFound"
    template = "Router {router_id} does not have an interface with id {port_id}"


class RouterInterfaceNotFoundForSubnet(NeutronError, errors.NotFound):
    code = "RouterInterfaceNotFoundForSubnet"
    template = "Router {router_id} has no interface on subnet {subnet_id}"


class PortForwardingNotFound(NeutronError, errors.NotFound):
    code = "PortForwardingNotFound"
    template = "Port Forwarding {id} could not be found."


class SubnetPoolNotFound(NeutronError, errors.NotFound):
    code = "SubnetPoolNotFound"
    template = "Subnet pool {id} could not be found."


class AddressScopeNotFound(NeutronError, errors.NotFound):
    code = "AddressScopeNotFound"
    template = "Address scope {id} could not be found."


class FloatingIPNotFound(NeutronError, errors.NotFound):
    code = "FloatingIPNotFound"
    template = "Floating IP {id} could not be found"


class ExternalGatewayForFloatingIPNotFound(NeutronError, errors.NotFound):
    code = "ExternalGatewayForFloatingIPNotFound"
    template = ("External network {external_network_id} is not reachable from subnet "
                "{subnet_id}.  Therefore, cannot associate Port {port_id} with a Floating IP.")


# ------------------------------------------------------------------------------ 409

class PlainConflict(NeutronError, errors.Conflict):
    """A Conflict whose message is given whole."""

    code = "Conflict"


class IpAddressAlreadyAllocated(NeutronError, errors.Conflict):
    code = "IpAddressAlreadyAllocated"
    template = "IP address {ip} already allocated in subnet {subnet_id}"


class IpAddressGenerationFailure(NeutronError, errors.Conflict):
    code = "IpAddressGenerationFailure"
    template = "No more IP addresses available on network {net_id}."


class MacAddressInUse(NeutronError, errors.Conflict):
    code = "MacAddressInUse"
    template = ("Unable to complete operation for network {net_id}. The mac address {mac} is "
                "in use.")


class MacAddressGenerationFailure(NeutronError, errors.Conflict):
    code = "MacAddressGenerationFailure"
    template = "Unable to generate unique mac on network {net_id}."


class NetworkInUse(NeutronError, errors.Conflict):
    code = "NetworkInUse"
    template = ("Unable to complete operation on network {net_id}. There are one or more "
                "ports still in use on the network.")


class SubnetInUse(NeutronError, errors.Conflict):
    code = "SubnetInUse"
    template = ("Unable to complete operation on subnet {subnet_id}: One or more ports have "
                "an IP allocation from this subnet.")


class OverQuota(NeutronError, errors.Conflict):
    code = "OverQuota"
    template = "Quota exceeded for resources: ['{overs}']."


class FlatNetworkInUse(NeutronError, errors.Conflict):
    code = "FlatNetworkInUse"
    template = "Unable to create the flat network. Physical network {physical_network} is in use."


class VlanIdInUse(NeutronError, errors.Conflict):
    code = "VlanIdInUse"
    template = ("Unable to create the network. The VLAN {vlan_id} on physical network "
                "{physical_network} is in use.")


class TunnelIdInUse(NeutronError, errors.Conflict):
    code = "TunnelIdInUse"
    template = "Unable to create the network. The tunnel ID {tunnel_id} is in use."


class DeviceIDNotOwnedByTenant(NeutronError, errors.Conflict):
    code = "DeviceIDNotOwnedByTenant"
    template = ("The following device_id {device_id} is not owned by your tenant or matches "
                "another tenants router.")


class OverlappingAllocationPools(NeutronError, errors.Conflict):
    code = "OverlappingAllocationPools"
    template = "Found overlapping allocation pools: {pool_1} {pool_2} for subnet {subnet_cidr}."


class GatewayConflictWithAllocationPools(NeutronError, errors.Conflict):
    code = "GatewayConflictWithAllocationPools"
    template = "Gateway ip {ip_address} conflicts with allocation pool {pool}."


class GatewayIpInUse(NeutronError, errors.Conflict):
    code = "GatewayIpInUse"
    template = "Gateway ip {ip_address} conflicts with an allocated address."


class SecurityGroupDefaultAlreadyExists(NeutronError, errors.Conflict):
    code = "SecurityGroupDefaultAlreadyExists"
    template = "Default security group already exists."


class SecurityGroupInUse(NeutronError, errors.Conflict):
    code = "SecurityGroupInUse"
    template = "Security Group {id} in use."


class SecurityGroupCannotUpdateDefault(NeutronError, errors.Conflict):
    code = "SecurityGroupCannotUpdateDefault"
    template = "Updating default security group not allowed."


class SecurityGroupCannotRemoveDefault(NeutronError, errors.Conflict):
    code = "SecurityGroupCannotRemoveDefault"
    template = "Removing default security group not allowed."


class SecurityGroupRuleExists(NeutronError, errors.Conflict):
    code = "SecurityGroupRuleExists"
    template = "Security group rule already exists. Rule id is {rule_id}."


class RouterExternalGatewayInUseByFloatingIp(NeutronError, errors.Conflict):
    code = "RouterExternalGatewayInUseByFloatingIp"
    template = ("Gateway cannot be updated for router {router_id}, since a gateway to external "
                "network {net_id} is required by one or more floating IPs.")


class RouterInUse(NeutronError, errors.Conflict):
    code = "RouterInUse"
    template = "Router {router_id} has ports still attached: {ports}"


class ServicePortInUse(NeutronError, errors.Conflict):
    code = "ServicePortInUse"
    template = ("Port {port_id} cannot be deleted directly via the port API: has device owner "
                "{device_owner}.")


class AddressScopeInUse(NeutronError, errors.Conflict):
    code = "AddressScopeInUse"
    template = ("Unable to complete operation on address scope {address_scope_id}. There are "
                "one or more subnet pools in use on the address scope.")


class AddressScopePrefixConflict(NeutronError, errors.Conflict):
    code = "AddressScopePrefixConflict"
    template = ("Failed to associate address scope: subnetpools within an address scope must "
                "have unique prefixes.")


class PortInUse(NeutronError, errors.Conflict):
    code = "PortInUse"
    template = ("Unable to complete operation on port {port_id} for network {net_id}. Port "
                "already has an attached device {device_id}.")


class RouterInterfaceInUseByFloatingIP(NeutronError, errors.Conflict):
    code = "RouterInterfaceInUseByFloatingIP"
    template = ("Router interface for subnet {subnet_id} on router {router_id} cannot be "
                "deleted, as it is required by one or more floating IPs.")


class RouterInterfaceInUseByRoute(NeutronError, errors.Conflict):
    code = "RouterInterfaceInUseByRoute"
    template = ("Router interface for subnet {subnet_id} on router {router_id} cannot be "
                "deleted, as it is required by one or more routes.")


class PortHasBindingFloatingIP(NeutronError, errors.Conflict):
    code = "PortHasBindingFloatingIP"
    template = ("Cannot create port forwarding to floating IP {floating_ip_address} "
                "({fip_id}) with port {port_id} using fixed IP {fixed_ip}, as that port "
                "already has a binding floating IP.")


class FloatingIPPortAlreadyAssociated(NeutronError, errors.Conflict):
    """A floating IP and a fixed IP that are already paired elsewhere (the message names
    which side: Neutron words it per operation)."""

    code = "FloatingIPPortAlreadyAssociated"


class FipInUseByPortForwarding(NeutronError, errors.Conflict):
    code = "FipInUseByPortForwarding"
    template = ("Floating IP {id} has port forwardings: it cannot be associated with a port.")


class PortSecurityAndIPRequiredForSecurityGroups(NeutronError, errors.Conflict):
    code = "PortSecurityAndIPRequiredForSecurityGroups"
    template = ("Port security must be enabled and port must have an IP address in order to "
                "use security groups.")


class AddressPairAndPortSecurityRequired(NeutronError, errors.Conflict):
    code = "AddressPairAndPortSecurityRequired"
    template = "Port Security must be enabled in order to have allowed address pairs on a port."


class PortBound(NeutronError, errors.Conflict):
    code = "PortBound"
    template = "Port {port_id} is bound; its MAC address cannot change."


class PortSecurityPortHasSecurityGroup(NeutronError, errors.Conflict):
    code = "PortSecurityPortHasSecurityGroup"
    template = ("Port has security group associated. Cannot disable port security or ip "
                "address until security group is removed")


class SubnetAllocationError(NeutronError, errors.Conflict):
    """Neutron's SubnetAllocationError (a 500 there, being no BadRequest/Conflict subclass;
    a 409 here: the pool has no room for the request, which the caller can act on)."""

    code = "SubnetAllocationError"
    template = "Failed to allocate subnet: {reason}."


class SubnetPoolQuotaExceeded(NeutronError, errors.Conflict):
    code = "SubnetPoolQuotaExceeded"
    template = "Per-project subnet pool prefix quota exceeded."


class SubnetPoolInUse(NeutronError, errors.Conflict):
    code = "SubnetPoolInUse"
    template = ("Unable to complete operation on subnet pool {subnet_pool_id}. Two or more "
                "concurrent subnets allocated.")


# ------------------------------------------------------------------------------ 412, 503

class RevisionNumberConstraintFailed(NeutronError, errors.PreconditionFailed):
    code = "RevisionNumberConstraintFailed"
    template = ("Constrained to a revision number that does not match the resource's current "
                "one.")


class NoNetworkAvailable(NeutronError, errors.ServiceUnavailable):
    code = "NoNetworkAvailable"
    template = ("Unable to create the network. No tenant network is available for "
                "allocation.")


# ------------------------------------------------------------------------------ shorthands

_NOT_FOUND: dict[str, type[NeutronError]] = {
    "Network": NetworkNotFound, "Subnet": SubnetNotFound, "Port": PortNotFound}


def not_found(kind: str, id_: str) -> NeutronError:
    """NetworkNotFound, SubnetNotFound, PortNotFound: "<Kind> <id> could not be found."."""
    return _NOT_FOUND[kind](id=id_)


def invalid_input(msg: str) -> InvalidInput:
    return InvalidInput(msg=msg)


def bad_request(msg: str) -> HTTPBadRequest:
    """What webob's HTTPBadRequest gives in Neutron (unknown or read-only attributes)."""
    return HTTPBadRequest(msg=msg)


def ip_in_use(ip: str, subnet_id: str) -> IpAddressAlreadyAllocated:
    return IpAddressAlreadyAllocated(ip=ip, subnet_id=subnet_id)


def ip_exhausted(network_id: str) -> IpAddressGenerationFailure:
    return IpAddressGenerationFailure(net_id=network_id)


def mac_in_use(network_id: str, mac: str) -> MacAddressInUse:
    return MacAddressInUse(net_id=network_id, mac=mac)


def network_in_use(network_id: str) -> NetworkInUse:
    return NetworkInUse(net_id=network_id)


def subnet_in_use(subnet_id: str) -> SubnetInUse:
    return SubnetInUse(subnet_id=subnet_id)


def over_quota(resource: str) -> OverQuota:
    return OverQuota(overs=resource)


def revision_mismatch() -> RevisionNumberConstraintFailed:
    return RevisionNumberConstraintFailed()
