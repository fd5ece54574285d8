"""Opening the bus a process is configured for: `open_bus(url)`.

`None` or `inprocess://` is the bus inside one process (`nubo up`); `amqp://` or `amqps://`
is RabbitMQ (`nubo controller` / `nubo agent` on many hosts). A URL the bus cannot open raises
`BusOpenError` with a message a person can act on (the CLI prints it and exits non-zero).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nubo.core.bus.errors import BusOpenError, safe_url
from nubo.core.bus.inprocess import InProcessBus
from nubo.core.bus.protocol import RPC_VERSION

if TYPE_CHECKING:
    from nubo.core.bus.amqp import AmqpBus
    from nubo.core.bus.protocol import Bus

    def _both_are_buses(bus: InProcessBus | AmqpBus) -> Bus:
        """mypy checks here that each transport satisfies the Bus protocol."""
        return bus

SCHEMES = ("inprocess", "amqp", "amqps")
__all__ = ["SCHEMES", "BusOpenError", "open_bus", "safe_url"]


async def open_bus(transport_url: str | None, *, version: str = RPC_VERSION,
                   name: str = "nubo", connect_timeout: float = 10.0
                   ) -> InProcessBus | AmqpBus:
    """The bus at `transport_url`, connected. `name` shows in the broker's connection list."""
    if transport_url is None or transport_url.strip() in ("", "inprocess://"):
        return InProcessBus(version=version)
    scheme = urlsplit(transport_url).scheme
    if scheme not in ("amqp", "amqps"):
        raise BusOpenError(f"transport URL {safe_url(transport_url)!r}: unknown scheme "
                           f"{scheme or '(none)'!r}; use one of "
                           + ", ".join(f"{s}://" for s in SCHEMES))
    from nubo.core.bus.amqp import AmqpBus
    return await AmqpBus.connect(transport_url, version=version, name=name,
                                 timeout=connect_timeout)
