"""The controller's side of a call over the broker: one exclusive reply queue per process,
replies matched to their call by correlation id.

The reply queue has a name of its own (`nubo.reply.<uuid>`) and is not exclusive to the
connection: when the connection breaks, the queue stays (it expires after REPLY_QUEUE_EXPIRES
unused) and keeps the replies that arrive meanwhile; the robust connection consumes it again
once it is back, so a call in flight across a short outage completes (within its timeout)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustQueue

LOG = logging.getLogger("nubo.bus")

#: milliseconds a reply queue outlives its last consumer (a process gone for good)
REPLY_QUEUE_EXPIRES = 120_000


class Replies:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex   # this process's bus, in the names of its own queues
        self.queue_name = f"nubo.reply.{self.id}"
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._queue: AbstractRobustQueue | None = None

    async def start(self, channel: AbstractRobustChannel) -> None:
        # durable: RabbitMQ 4 deprecates transient queues that are not exclusive; x-expires
        # removes it all the same once its process is gone
        self._queue = await channel.declare_queue(
            self.queue_name, durable=True, arguments={"x-expires": REPLY_QUEUE_EXPIRES})
        await self._queue.consume(self._on_reply, no_ack=True)

    def expect(self) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        """A new correlation id and the future its reply resolves; `forget` it after."""
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        return correlation_id, future

    def forget(self, correlation_id: str) -> None:
        self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is None or future.done():
            # the call timed out (or the reply is a duplicate): nobody waits for it any more
            LOG.debug("reply %s matches no waiting call: dropped", message.correlation_id)
            return
        try:
            reply = json.loads(message.body)
            if not isinstance(reply, dict) or not ("result" in reply or "fault" in reply):
                raise ValueError("neither a result nor a fault")
        except ValueError as exc:
            LOG.warning("malformed reply %s dropped: %s", message.correlation_id, exc)
            return
        future.set_result(reply)
