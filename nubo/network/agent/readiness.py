"""Which ports carry traffic after a round: plugged, filtered and known to DHCP.

Computed on the host from what it applied, and reported up as `port_status` (rpc.py).
"""

from __future__ import annotations

from collections.abc import Collection

from nubo.network.agent.apply import Applied, dhcp_inputs, plugged_device, serves_dhcp
from nubo.network.agent.dataplane.base import DHCP_OWNER, DesiredState, PortSpec


def served(desired: DesiredState, applied: Applied) -> dict[str, bool]:
    """Per network of the desired state: whether DHCP serves what is desired now (False:
    not yet, or its server failed to start; networks without DHCP count as served).
    Once per round: per port it was quadratic in the ports of a network."""
    out: dict[str, bool] = {}
    if applied.filters is None:
        return out
    for nid, net in applied.networks.items():
        have = applied.dhcp.get(nid)
        if have is None:      # a DHCP server that did not start serves nobody
            out[nid] = not serves_dhcp(net, desired.ports)
        else:
            out[nid] = have == dhcp_inputs(net, desired.served_ports)
    return out


def ready(port: PortSpec, applied: Applied, served: dict[str, bool]) -> bool:
    """Plugged, filtered and known to DHCP: what the port needs to carry traffic."""
    if plugged_device(port) and applied.ports.get(port.id) != port:
        return False
    if port.device_owner == DHCP_OWNER or plugged_device(port):
        if not served.get(port.network_id, False):     # no filter, network or DHCP yet
            return False
        if port.device_owner == DHCP_OWNER and port.network_id not in applied.dhcp:
            return False
        return True
    return False        # router ports: the API keeps their status


def port_status(desired: DesiredState, applied: Applied, hosts: Collection[str]
                ) -> tuple[list[str], list[str]]:
    """(ports up, ports the host keeps up): the `port_status` report of a round."""
    ok = served(desired, applied)
    up = [p.id for p in desired.ports if p.binding_host in hosts and ready(p, applied, ok)]
    # A port with admin_state_up off is down on the host: it must not say ACTIVE.
    present = [p.id for p in desired.ports if p.admin_state_up]
    return up, present
