"""`NetworkFleet`: the controller's side of the network agents of hosts that come and go
(`nubo controller` with `nubo agent --network linux` hosts).

Each host's network agent beats `network_agent(dataplane, vtep_ip, network_node)` (rpc.py).
On each beat the fleet registers the host's agent rows (agents.py's `beat_agents`: what
`openstack network agent list` shows, alive while the beats come) and, for a Linux host,
starts a `NetworkSync` (loop.py) that sends that host its own desired state: the ports bound
to it, their networks and security groups, and the VXLAN peers with ports on the same
networks (desired.py). The host that said `network_node` (the controller's own agent, or an
agent started with `--network-node`) also gets the DHCP ports and the routers with their
floating IPs; the other hosts flood to it on the networks it serves.

Every committed network change kicks every host's sync (changes.py); each sends its host the
whole state and the host applies the difference, so a port that comes or goes on one host
updates the FDB entries of the others. A host silent for Neutron's agent_down_time (its
agents show down) stops being driven; its next beat starts it again with a full round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from nubo.core.bus import Bus
from nubo.core.db import Database
from nubo.network import rpc
from nubo.network.service.agents import beat_agents
from nubo.network.service.hostsync.health import AGENT_DOWN_SECONDS, AgentHealth
from nubo.network.service.hostsync.loop import NetworkSync, VifEvent

LOG = logging.getLogger("nubo.network.service.hostsync")
SUFFIX = ":network"


class FleetHealth:
    """The hosts' syncs' health for /healthz (None: every host's last round succeeded)."""

    def __init__(self, fleet: NetworkFleet) -> None:
        self.fleet = fleet

    def problem(self) -> str | None:
        bad = [f"{h}: {p}" for h, sync in sorted(self.fleet.syncs.items())
               if sync.health is not None and (p := sync.health.problem())]
        return "; ".join(bad) or None


class NetworkFleet:
    """`on_vif_event` None: the hosts' dataplanes are noop; their agents are recorded (and
    shown alive while they beat), no host is driven."""

    def __init__(self, db: Database, bus: Bus, *, on_vif_event: VifEvent | None,
                 period: float = 30.0, timeout: float = 120.0,
                 down_after: float = AGENT_DOWN_SECONDS) -> None:
        self.db, self.bus = db, bus
        self.down_after = down_after
        self.beats: dict[str, float] = {}       # host -> when its agent last beat here
        self.instances: dict[str, str] = {}     # host -> the start of its agent last seen
        self._reaper: asyncio.Task[None] | None = None
        self.on_vif_event = on_vif_event
        self.period, self.timeout = period, timeout
        self.syncs: dict[str, NetworkSync] = {}
        self.claims: dict[str, float] = {}      # host -> when it last said network_node
        self.network_node: str = ""             # "" until a host says it is one
        self.health = FleetHealth(self)
        self.real = on_vif_event is not None
        self._started = False
        self._listening = False
        self._lock = asyncio.Lock()

    @property
    def state(self) -> str:
        """For /healthz: "ready" once every Linux host known had a good round."""
        if not self.real:
            return "off"
        return "ready" if all(s.rounds for s in self.syncs.values()) else "converging"

    def listen(self) -> None:
        if not self._listening:
            self.bus.on(rpc.NETWORK_AGENT, self._on_agent)
            self._listening = True

    async def start(self) -> None:
        self.listen()
        self._started = True
        for sync in self.syncs.values():
            await sync.start()
        if self.real and self._reaper is None:
            self._reaper = asyncio.create_task(self._reap(), name="network-fleet-reaper")

    async def stop(self) -> None:
        self._started = False
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        for sync in self.syncs.values():
            await sync.stop()

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(min(self.down_after / 3, 10.0))
            await self.reap()

    async def reap(self) -> list[str]:
        """Stop driving the hosts silent for `down_after` seconds; their names."""
        now = time.monotonic()
        async with self._lock:
            gone = sorted(h for h in self.syncs
                          if now - self.beats.get(h, now) >= self.down_after)
            for host in gone:
                LOG.warning("network agent of %s silent for %.0f s: no longer driven",
                            host, now - self.beats[host])
                await self.syncs.pop(host).stop()
        return gone

    async def settle(self, timeout: float = 30.0) -> None:
        """Every host's sync idle (tests, tools)."""
        for sync in list(self.syncs.values()):
            await sync.settle(timeout)

    async def _on_agent(self, host: str, dataplane: str = "noop", vtep_ip: str | None = None,
                        network_node: bool = False, instance: str | None = None,
                        **_newer: object) -> None:
        """A host's network agent beat (arguments a newer agent adds are ignored)."""
        name = host.removesuffix(SUFFIX)
        self.beats[name] = time.monotonic()
        restarted = instance is not None and self.instances.get(name) not in (None, instance)
        if instance is not None:
            self.instances[name] = instance
        changed = await beat_agents(self.db, name, tunneling_ip=vtep_ip,
                                    network_node=network_node, dataplane=dataplane)
        async with self._lock:
            if network_node:
                self.claims[name] = time.monotonic()
            else:
                self.claims.pop(name, None)
            node = self._choose()
            moved = node != self.network_node
            if moved:
                LOG.info("network node: %s", node or "none")
                self.network_node = node
            if dataplane == "linux" and self.real and name not in self.syncs:
                sync = NetworkSync(self.db, self.bus, name, (name,), real=True,
                                   on_vif_event=self.on_vif_event,
                                   health=AgentHealth(self.db, name), period=self.period,
                                   timeout=self.timeout, network_node=node)
                self.syncs[name] = sync
                LOG.info("network agent of %s (VTEP %s) joined", name, vtep_ip)
                if self._started:
                    await sync.start()
                changed = True
            for sync in self.syncs.values():
                sync.network_node = node
            if restarted and name in self.syncs:
                LOG.info("network agent of %s restarted: a full round now", name)
                self.syncs[name].reconcile_next()
        if changed or moved:
            # the new or changed host is every other host's VXLAN peer
            for sync in self.syncs.values():
                sync.kick()

    def _choose(self) -> str:
        """The network node: the host that said so most recently within two beats' time
        (several: the first by name, said in the log)."""
        now = time.monotonic()
        fresh = sorted(h for h, t in self.claims.items() if now - t < 3 * rpc.BEAT_SECONDS)
        if len(fresh) > 1:
            LOG.warning("several hosts say they are the network node: %s; %s serves",
                        fresh, fresh[0])
        return fresh[0] if fresh else self.network_node
