"""The broker connection: aio-pika's robust connection (it reconnects and restores the
channels, queues and consumers declared on it), opened with errors a person can act on."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from aiormq.exceptions import (
    AMQPConnectionError,
    AMQPError,
    AuthenticationError,
    ConnectionNotAllowed,
    InvalidFrameError,
    ProbableAuthenticationError,
)
from yarl import URL

from nubo.core.bus.errors import BusOpenError, safe_url

#: seconds between reconnection attempts, unless the URL says (`?reconnect_interval=`)
RECONNECT_INTERVAL = 1.0

#: every durable queue of the bus is a quorum queue: replicated, and safe on a broker restart
QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}


def host_queue(host: str) -> str:
    """The queue a host's agent consumes its calls and casts from."""
    return f"nubo.host.{host}"


CONTROLLER_QUEUE = "nubo.controller"   # reports from the hosts, consumed by the controllers
BROADCAST_EXCHANGE = "nubo.broadcast"  # fanout: every bus that listens gets a copy


async def connect(url: str, *, name: str, timeout: float) -> AbstractRobustConnection:
    """A robust connection to the broker at `url` (amqp:// or amqps://, with its vhost and
    aio-pika's query options such as `?cafile=` for TLS). Raises BusOpenError when the broker
    cannot be reached in `timeout` seconds or refuses the login."""
    parsed = URL(url)
    where = safe_url(url)
    kwargs: dict[str, Any] = {"client_properties": {"connection_name": name}}
    if "reconnect_interval" not in parsed.query:
        kwargs["reconnect_interval"] = RECONNECT_INTERVAL
    try:
        async with asyncio.timeout(timeout):
            return await aio_pika.connect_robust(url, timeout=timeout, **kwargs)
    except (AuthenticationError, ProbableAuthenticationError):
        raise BusOpenError(f"RabbitMQ at {where} refused the login of user "
                           f"{parsed.user or 'guest'!r}: wrong user name or password"
                           ) from None
    except (ConnectionNotAllowed, InvalidFrameError):
        # RabbitMQ closes the connection instead of opening it: no such virtual host, or
        # the user has no permission on it
        raise BusOpenError(f"RabbitMQ at {where} refused access to virtual host "
                           f"{parsed.path[1:] or '/'!r} for user {parsed.user or 'guest'!r}: "
                           "does it exist, with permissions for that user?") from None
    except TimeoutError:
        raise BusOpenError(f"cannot reach RabbitMQ at {where}: no answer within "
                           f"{timeout}s") from None
    except FileNotFoundError as exc:
        files = [parsed.query[k] for k in ("cafile", "capath", "certfile", "keyfile")
                 if k in parsed.query]
        raise BusOpenError(f"RabbitMQ at {where}: cannot read the TLS file "
                           f"{exc.filename or ' or '.join(files)} ({exc.strerror})") from None
    except (OSError, AMQPConnectionError) as exc:
        if "SSL" in str(exc):
            raise BusOpenError(f"TLS with RabbitMQ at {where} failed (is that port TLS, "
                               f"and the certificate trusted?): {exc}") from None
        raise BusOpenError(f"cannot reach RabbitMQ at {where}: "
                           f"{exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
                           ) from None
    except AMQPError as exc:
        raise BusOpenError(f"RabbitMQ at {where} refused the connection: {exc!r}") from None
