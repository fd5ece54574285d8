"""The controller's NetworkSync that drives a host's network agent over the bus (`nubo up`
runs both on one in-process bus). What the host's dataplane is: nubo/network/agent/wiring.py."""

from __future__ import annotations

from collections.abc import Collection

from nubo.core.bus import Bus, InProcessBus
from nubo.core.db import Database
from nubo.network.agent.dataplane import Dataplane
from nubo.network.agent.manager import NetworkAgent
from nubo.network.service.hostsync.health import AgentHealth
from nubo.network.service.hostsync.loop import NetworkSync, VifEvent


def build_sync(db: Database, bus: Bus, kind: str, agent: str, hosts: Collection[str],
               agent_host: str, on_vif_event: VifEvent | None) -> NetworkSync:
    """The controller's side: `agent` the host whose network agent it drives, `hosts` the
    compute hosts whose ports that agent carries, `agent_host` the host the network agents'
    rows are kept for (health.py)."""
    return NetworkSync(db, bus, agent, hosts, real=kind == "linux",
                       on_vif_event=on_vif_event if kind == "linux" else None,
                       health=AgentHealth(db, agent_host))


def local_sync(db: Database, dataplane: Dataplane, hosts: Collection[str], *, real: bool,
               on_vif_event: VifEvent | None = None, health: AgentHealth | None = None,
               bus: InProcessBus | None = None) -> tuple[NetworkSync, NetworkAgent]:
    """A NetworkSync and the network agent it drives on one in-process bus (tests, tools,
    benches): the agent of hosts[0] carries every host's ports on `dataplane`."""
    bus = bus or InProcessBus()
    names = tuple(dict.fromkeys(hosts))
    agent = NetworkAgent(names[0], dataplane, bus, hosts=names)
    bus.register(agent.address, agent)
    sync = NetworkSync(db, bus, names[0], names, real=real, on_vif_event=on_vif_event,
                       health=health)
    sync.listen()
    return sync, agent
