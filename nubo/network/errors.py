"""Neutron's fault types and messages (neutron-lib's exceptions), as NuboErrors whose `code`
is the `type` of the NeutronError body."""

from __future__ import annotations

from nubo.core.errors import BadRequest, Conflict, NotFound, PreconditionFailed


def not_found(kind: str, id_: str) -> NotFound:
    """NetworkNotFound, SubnetNotFound, PortNotFound, ...: "<Kind> <id> could not be found."""
    label = {"Network": "Network", "Subnet": "Subnet", "Port": "Port"}.get(kind, kind)
    return NotFound(f"{label} {id_} could not be found.", code=f"{kind}NotFound")


def invalid_input(msg: str) -> BadRequest:
    return BadRequest(f"Invalid input for operation: {msg}.", code="InvalidInput")


def bad_request(msg: str) -> BadRequest:
    """What webob's HTTPBadRequest gives in Neutron (unknown or read-only attributes)."""
    return BadRequest(msg, code="HTTPBadRequest")


def ip_in_use(ip: str, subnet_id: str) -> Conflict:
    return Conflict(f"IP address {ip} already allocated in subnet {subnet_id}",
                    code="IpAddressAlreadyAllocated")


def ip_exhausted(network_id: str) -> Conflict:
    return Conflict(f"No more IP addresses available on network {network_id}.",
                    code="IpAddressGenerationFailure")


def mac_in_use(network_id: str, mac: str) -> Conflict:
    return Conflict(f"Unable to complete operation for network {network_id}. The mac address "
                    f"{mac} is in use.", code="MacAddressInUse")


def network_in_use(network_id: str) -> Conflict:
    return Conflict(f"Unable to complete operation on network {network_id}. There are one or "
                    "more ports still in use on the network.", code="NetworkInUse")


def subnet_in_use(subnet_id: str) -> Conflict:
    return Conflict(f"Unable to complete operation on subnet {subnet_id}: One or more ports "
                    "have an IP allocation from this subnet.", code="SubnetInUse")


def over_quota(resource: str) -> Conflict:
    return Conflict(f"Quota exceeded for resources: ['{resource}'].", code="OverQuota")


def revision_mismatch() -> PreconditionFailed:
    return PreconditionFailed("Constrained to a revision number that does not match the "
                              "resource's current one.", code="RevisionNumberConstraintFailed")
