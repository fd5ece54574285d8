"""The host role: what runs on a hypervisor host. The compute agents with their virt driver
(one per simulated host for `--virt fake`), the network agent with its dataplane, the metadata
agent that signs the guests' metadata requests for the controller.

It holds no database credentials and imports no database code (tests/unit/
test_import_contract.py holds that line for this module and everything it imports): it
reaches the controller over the bus only, the image API and the metadata API over HTTP.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any, Protocol

import httpx

from nubo.compute.agent.images import ImageClient
from nubo.compute.agent.manager import AgentOptions, ComputeAgent
from nubo.compute.agent.virt.base import VirtDriver
from nubo.compute.agent.virt.fake import FakeDriver
from nubo.compute.agent.virt.libvirt.wiring import build_driver, resolve_virt
from nubo.config import Settings
from nubo.core.bus import RPC_VERSION, RpcEndpoint
from nubo.core.service_auth import ServiceCredentials, TokenSource, stored_password
from nubo.metadata.secret import metadata_secret
from nubo.network import rpc
from nubo.network.agent.manager import NetworkAgent
from nubo.network.agent.metadata_agent import MetadataAgent, socket_path
from nubo.network.agent.wiring import build_dataplane, resolve_network


class AgentBus(Protocol):
    """The host's side of the bus: its agents answer calls and report up."""

    def register(self, host: str, endpoint: RpcEndpoint, version: str = RPC_VERSION) -> None:
        """`endpoint` answers the calls to `host` from now on."""
        ...

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None:
        """Deliver `event` from `host` to the controller's handlers."""
        ...


def service_credentials(settings: Settings) -> ServiceCredentials:
    """The service user the hosts log in to the image API with (the controller makes sure it
    exists with this password)."""
    return ServiceCredentials(settings.base_url + "/identity/v3", settings.service_user,
                              settings.service_password or stored_password(settings.data_dir))


def host_names(settings: Settings, virt: str) -> list[str]:
    """This machine's compute hosts: one, or `fake_hosts` simulated ones; named after
    `compute_host` (`nubo agent --host`), else the machine's short host name."""
    n = 1 if virt == "libvirt" else max(settings.fake_hosts, 1)
    base = settings.compute_host or socket.gethostname().split(".")[0] or "nubo"
    return [base] if n == 1 else [f"{base}-fake-{i}" for i in range(n)]


class Host:
    def __init__(self, settings: Settings, bus: AgentBus,
                 credentials: ServiceCredentials, *, remote: bool = False) -> None:
        """`remote`: the host of `nubo agent`, whose network agent tells the controller
        what it is with each beat (its dataplane, tunnel endpoint, network node role)."""
        self.settings = settings
        self.virt = resolve_virt(settings)
        self.service_credentials = credentials
        # the way to image data: the image API over HTTP, with the service token
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        self.image_client = ImageClient(settings.base_url + "/image",
                                        TokenSource(credentials, self._http), self._http)
        self.agents = [self._compute_agent(name, bus) for name in host_names(settings,
                                                                             self.virt)]
        for agent in self.agents:
            bus.register(agent.host, agent)
        self.names = [a.host for a in self.agents]
        # the network agent carries the ports of every compute host of this machine
        self.network_kind = resolve_network(settings, self.virt)
        self.dataplane = build_dataplane(self.network_kind, settings,
                                         socket_path(settings.data_dir))
        identity = {"dataplane": self.network_kind, "vtep_ip": settings.vtep_ip,
                    "network_node": settings.network_node,
                    "instance": uuid.uuid4().hex} if remote else None
        self.network_agent = NetworkAgent(
            self.names[0], self.dataplane, bus, hosts=self.names, identity=identity,
            beat=float(settings.report_interval) if remote else rpc.BEAT_SECONDS)
        bus.register(self.network_agent.address, self.network_agent)
        self.metadata_agent = MetadataAgent(self.network_agent.instance_of,
                                            settings.metadata_api_url,
                                            metadata_secret(settings),
                                            socket_path(settings.data_dir))

    def _compute_agent(self, name: str, bus: AgentBus) -> ComputeAgent:
        driver: VirtDriver
        if self.virt == "libvirt":
            driver = build_driver(self.settings, name, self.image_client.download)
        else:
            driver = FakeDriver(host=name, state_file=self.settings.data_dir / "fake-hosts"
                                / f"{name}.json")
        return ComputeAgent(name, driver, bus, self.image_client, options=AgentOptions(
            period=float(self.settings.report_interval), report_power=self.virt == "libvirt",
            scratch_dir=self.settings.data_dir / "snapshots"))

    async def start_network(self) -> None:
        """The network agent (its dataplane comes up as it was) and, with the Linux
        dataplane (whose proxies ask it), the metadata agent."""
        await self.network_agent.start()
        if self.network_kind == "linux":
            await self.metadata_agent.start()

    async def connect(self) -> None:
        """Start every compute agent: its driver connects (libvirtd may have to start) and
        it reports its resources, from which the controller records the host."""
        for agent in self.agents:
            await agent.start()

    async def stop(self) -> None:
        """Stop the agents; the guests and the dataplane stay as they are (the next start
        takes them over)."""
        await self.network_agent.stop()
        await self.metadata_agent.stop()
        for agent in self.agents:
            await agent.stop()
        await self._http.aclose()
