"""The network agent's bus messages (ground floor: both sides import it, it imports nothing).

Down, `call(agent_address(host), ...)`: `apply_desired(state, full)` with a `DesiredState` as
`to_dict()` made it; `reconcile(state)` (the same with `full` forced). The reply is
`{"full": bool, "errors": [str, ...]}`.

Up, `report(agent_address(host), event, ...)`:
- `port_status(up, present)`: `up` the ports that are plugged, filtered and known to DHCP on
  the host; `present` the ports the host keeps up (admin_state_up). The controller sets `up`
  ports ACTIVE (and tells compute network-vif-plugged), and ACTIVE ports bound to the host's
  compute hosts that are not `present` DOWN.
- `network_health(errors)`: what the host's last round could not do ([] = healthy); also
  sent every `BEAT_SECONDS` as the agent's heartbeat.
- `network_agent(dataplane, vtep_ip, network_node, instance)`: a host's network agent (of
  `nubo agent`) says what it is, on start and with each beat: its dataplane ("linux" or
  "noop"), its VXLAN tunnel endpoint, whether it runs the routers and DHCP servers, and an
  id of this start of its process (a new one: the agent restarted and is sent its whole
  state at once, for a full reconcile). The controller
  registers its agents' rows (`openstack network agent list`), keeps their heartbeat fresh
  and drives the host from then on.

Addresses: the network agent of a host shares the bus with the host's compute agent under
its own name, `<host>:network` (Neutron's per-host agent topics), so one bus instance and one
connection per host serve both.
"""

from __future__ import annotations

APPLY_DESIRED = "apply_desired"
RECONCILE = "reconcile"
PORT_STATUS = "port_status"
NETWORK_HEALTH = "network_health"
NETWORK_AGENT = "network_agent"
BEAT_SECONDS = 30.0


def agent_address(host: str) -> str:
    """The bus name of `host`'s network agent."""
    return f"{host}:network"
