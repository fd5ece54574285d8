"""`AmqpBus`: the controller <-> host bus over RabbitMQ, the same surface as InProcessBus.

Queues and exchanges (names in connection.py):
- `nubo.host.<host>`: durable quorum queue, one per host, declared and consumed by the bus
  that `register`s the host (its agent). Calls and casts to the host go there through the
  default exchange; a call waits there, up to its timeout (the message's TTL), for an agent.
- `nubo.controller`: durable quorum queue of the reports from the hosts, consumed by every
  controller that has `on` handlers (competing consumers: each report reaches one controller),
  one report at a time, acknowledged once its handlers ran.
- `nubo.reply.<uuid>`: exclusive queue of this process's call replies (rpc.py).
- `nubo.broadcast`: fanout exchange; `on_broadcast` binds an exclusive queue to it.

Every publish waits for the broker's confirm. Casts and reports are persistent; calls expire
with their timeout. An agent acknowledges a call or cast when it receives it, before it runs
(at most once, as oslo.messaging does for RPC: a caller that timed out must not find its
call run again later by another consumer). A message that is not a JSON envelope is logged
and dropped. When the connection breaks, aio-pika's robust connection reconnects and
restores the queues and consumers; a publish waits for it within the call's timeout.

A broker that restarts (or a connection that breaks) may lose a call's reply (replies are
not confirmed, and a reply queue's messages are not kept over a broker restart) or the ack
of a call received. So once the connection is back, a caller sends each call still waiting
again, under the same message id and with what is left of its timeout; an agent remembers
the calls and casts it received (the last SEEN ids, with their replies): one it is still
running is answered when that run ends, one it ran is answered from that run, and neither
runs twice. A call thus completes once across an outage, whichever of its messages was lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Coroutine
from functools import partial
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError, PublishError

from nubo.core.bus.amqp.connection import (
    BROADCAST_EXCHANGE,
    CONTROLLER_QUEUE,
    QUORUM,
    connect,
    host_queue,
)
from nubo.core.bus.amqp.rpc import Replies
from nubo.core.bus.dispatch import encode, serve
from nubo.core.bus.faults import (
    HostUnreachable,
    RpcVersionMismatch,
    from_record,
)
from nubo.core.bus.protocol import (
    RPC_VERSION,
    EventHandler,
    RpcEndpoint,
    envelope,
    speak_version,
)
from nubo.core.bus.starts import HostStarts
from nubo.core.metrics import BUS_ERRORS, BUS_MESSAGES

LOG = logging.getLogger("nubo.bus")

#: the event an agent sends when it starts serving a host: its RPC version
HELLO = "nubo.bus.hello"
#: how long a cast or report waits for a broker that is away before it gives up
PUBLISH_TIMEOUT = 30.0
#: calls and casts an agent has received and not yet acknowledged
PREFETCH = 64
#: the calls and casts an agent remembers having received (by message id), so that one sent
#: again after a reconnect is answered from its first run instead of running twice
SEEN = 1024
#: errors of a publish that a reconnection mends (the robust connection restores the channel)
_LOST = (AMQPConnectionError, ChannelInvalidStateError, ConnectionError)


class MalformedMessage(ValueError):
    """A message on a queue of the bus that is not an envelope of the bus."""


def _decode(body: bytes, kind: str) -> dict[str, Any]:
    """The envelope in `body` ({"v", kind: name, "args": {...}}), or MalformedMessage."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise MalformedMessage(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise MalformedMessage("not a JSON object")
    if not isinstance(message.get(kind), str) or not isinstance(message.get("v"), str) \
            or not isinstance(message.get("args"), dict):
        raise MalformedMessage(f"not an envelope (v, {kind}, args)")
    return message


class AmqpBus(HostStarts):
    def __init__(self, connection: AbstractRobustConnection, version: str = RPC_VERSION,
                 name: str = "nubo") -> None:
        super().__init__()
        self.connection = connection
        self.version = version
        self.name = name
        self._replies = Replies()
        self._endpoints: dict[str, tuple[RpcEndpoint, str]] = {}
        self._consumers: dict[str, str] = {}     # host -> consumer tag on its queue
        self._known: dict[str, str] = {}         # host -> the RPC version its agent speaks
        self._handlers: dict[str, list[EventHandler]] = {}
        self._broadcast_handlers: dict[str, list[EventHandler]] = {}
        self._setups: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()   # calls and casts being served
        self._events: asyncio.Task[None] | None = None
        self._broadcasts: asyncio.Task[None] | None = None
        self._publisher: AbstractRobustChannel | None = None
        self._replier: AbstractRobustChannel | None = None   # replies: no confirms
        self._serving: AbstractRobustChannel | None = None
        self._fanout: AbstractRobustExchange | None = None
        #: message id -> the run of a call or cast received (its reply), the last SEEN
        self._seen: OrderedDict[str, asyncio.Task[dict[str, Any]]] = OrderedDict()
        #: set (and replaced) each time the connection is back after it broke
        self._reconnected = asyncio.Event()

    @classmethod
    async def connect(cls, url: str, *, version: str = RPC_VERSION, name: str = "nubo",
                      timeout: float = 10.0) -> AmqpBus:
        """A bus on the broker at `url`, ready to publish (BusOpenError if it cannot be)."""
        bus = cls(await connect(url, name=name, timeout=timeout), version, name)
        try:
            await bus._open()
        except BaseException:
            await bus.connection.close()
            raise
        return bus

    async def _open(self) -> None:
        self.connection.reconnect_callbacks.add(self._on_reconnect)
        channel = await self.connection.channel(publisher_confirms=True,
                                                on_return_raises=True)
        assert isinstance(channel, AbstractRobustChannel)
        self._publisher = channel
        # a reply needs no confirm: one that is lost is a call that times out, as one whose
        # agent died; the confirm would cost each call a second wait on the broker
        replier = await self.connection.channel(publisher_confirms=False)
        assert isinstance(replier, AbstractRobustChannel)
        self._replier = replier
        await channel.declare_queue(CONTROLLER_QUEUE, durable=True, arguments=QUORUM)
        self._fanout = await channel.declare_exchange(
            BROADCAST_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        await self._replies.start(channel)

    def _on_reconnect(self, *_: Any) -> None:
        """The connection is back, its channels, queues and consumers restored: the calls
        waiting are sent again (see the module's docstring)."""
        LOG.warning("connection to the broker restored (%s)", self.name)
        event, self._reconnected = self._reconnected, asyncio.Event()
        event.set()

    async def close(self) -> None:
        for task in [*self._setups, *self._running, *self._seen.values(), self._events,
                     self._broadcasts]:
            if task is not None:
                task.cancel()
        await self.connection.close()

    # -- hosts (agents) ------------------------------------------------------------------
    def register(self, host: str, endpoint: RpcEndpoint, version: str = RPC_VERSION) -> None:
        """This process serves `host`'s calls at RPC `version`: it consumes the host's queue
        (from a task: `settled()` waits for it) and tells the controllers its version."""
        self._endpoints[host] = (endpoint, version)
        self._setup(self._serve_host(host, version))

    def unregister(self, host: str) -> None:
        """Stop serving `host`: calls to it wait in its queue for another agent."""
        self._endpoints.pop(host, None)
        tag = self._consumers.pop(host, None)
        if tag is not None:
            self._setup(self._stop_serving(host, tag))

    async def consumers(self, host: str) -> int:
        """How many agents consume `host`'s queue now (0 when it has none or no queue): a
        second agent for a live host is refused by `nubo agent`."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(host_queue(host), durable=True,
                                                arguments=QUORUM)
            return int(queue.declaration_result.consumer_count or 0)
        finally:
            await channel.close()

    def hosts(self) -> list[str]:
        """The hosts served here and those whose agents said hello or answered a call."""
        return sorted(set(self._endpoints) | set(self._known))

    def version_of(self, host: str) -> str | None:
        found = self._endpoints.get(host)
        return found[1] if found else self._known.get(host)

    async def settled(self) -> None:
        """Until this bus consumes what it was asked to (hosts, events, broadcasts) and no
        host is starting."""
        while self._setups:
            task = self._setups.pop(0)
            await task
        await super().settled()

    def _setup(self, coro: Coroutine[Any, Any, None]) -> None:
        self._setups.append(asyncio.get_running_loop().create_task(coro))

    async def _serving_channel(self) -> AbstractRobustChannel:
        if self._serving is None:
            channel = await self.connection.channel()
            assert isinstance(channel, AbstractRobustChannel)
            await channel.set_qos(prefetch_count=PREFETCH)
            self._serving = channel
        return self._serving

    async def _serve_host(self, host: str, version: str) -> None:
        channel = await self._serving_channel()
        queue = await channel.declare_queue(host_queue(host), durable=True, arguments=QUORUM)
        old = self._consumers.pop(host, None)
        if old is not None:
            await queue.cancel(old)
        tag = await queue.consume(partial(self._on_call, host))
        if host not in self._endpoints:   # unregistered meanwhile
            await queue.cancel(tag)
            return
        self._consumers[host] = tag
        await self.report(host, HELLO, version=version)

    async def _stop_serving(self, host: str, tag: str) -> None:
        channel = await self._serving_channel()
        queue = await channel.get_queue(host_queue(host), ensure=False)
        await queue.cancel(tag)

    async def _on_call(self, host: str, incoming: AbstractIncomingMessage) -> None:
        """The agent's side of a call or cast: acknowledge, check, run, reply."""
        found = self._endpoints.get(host)
        if found is None:
            # unregistered while the message was on its way: back to the queue, for the
            # host's next agent
            await incoming.reject(requeue=True)
            return
        try:
            await incoming.ack()
        except _LOST as exc:
            # the broker keeps it and delivers it again once back: then it is a repeat
            LOG.warning("ack on %s lost (%s)", host_queue(host), exc)
        try:
            message = _decode(incoming.body, "method")
        except MalformedMessage as exc:
            BUS_ERRORS.labels("unknown", "malformed").inc()
            LOG.warning("malformed message on %s dropped: %s", host_queue(host), exc)
            return
        reply_to, correlation_id = incoming.reply_to, incoming.correlation_id
        key = incoming.message_id or correlation_id
        run = self._seen.get(key) if key else None
        if run is None:
            # run in a task of the bus: aiormq cancels the tasks of a channel's consumers
            # when its connection drops, and a call the agent received must finish and reply
            run = asyncio.get_running_loop().create_task(
                self._run(host, found, message, cast=not reply_to))
            if key:
                self._seen[key] = run
                while len(self._seen) > SEEN:
                    self._seen.popitem(last=False)
        else:
            LOG.info("%s %s to %s received again (after a reconnect): answered from its "
                     "first run", "call" if reply_to else "cast", message["method"], host)
            if not reply_to:
                return
        if reply_to and correlation_id:
            task = asyncio.get_running_loop().create_task(
                self._reply(host, message["method"], run, reply_to, correlation_id))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, host: str, found: tuple[RpcEndpoint, str],
                   message: dict[str, Any], cast: bool) -> dict[str, Any]:
        endpoint, own = found
        reply = await serve(endpoint, own, message)
        reply["v"] = own   # the caller learns the version the agent speaks
        if "fault" in reply and cast:
            LOG.error("cast %s to %s failed: %s", message["method"], host, reply["fault"])
        return reply

    async def _reply(self, host: str, method: str, run: asyncio.Task[dict[str, Any]],
                     reply_to: str, correlation_id: str) -> None:
        reply = await asyncio.shield(run)
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._publish("", reply_to, encode(reply), persistent=False,
                                    mandatory=False, correlation_id=correlation_id,
                                    confirm=False)
        except Exception:  # noqa: BLE001 - the caller times out or asks again
            LOG.exception("reply to %s of %s lost", method, host)

    # -- down: call and cast -------------------------------------------------------------
    def _speak(self, host: str, method: str) -> str:
        known = self.version_of(host)
        version = self.version if known is None else speak_version(self.version, known)
        if version is None:
            BUS_ERRORS.labels(method, "version").inc()
            raise RpcVersionMismatch(f"agent of {host} speaks v{known}, this "
                                     f"controller v{self.version}")
        return version

    async def call(self, host: str, method: str, timeout: float = 60.0, **kwargs: Any) -> Any:
        BUS_MESSAGES.labels(method).inc()
        version = self._speak(host, method)
        body = encode(envelope("method", method, kwargs, version))
        left = await self._wait_started(host, method, timeout)
        deadline = time.monotonic() + left
        try:
            async with asyncio.timeout(left):
                reply = await self._request(host, method, body, left)
                agent = reply.get("v")
                if isinstance(agent, str):
                    self._known[host] = agent
                retry = speak_version(self.version, agent) if isinstance(agent, str) else None
                if reply.get("fault", {}).get("code") == RpcVersionMismatch.code \
                        and retry is not None and retry != version:
                    # an agent one minor behind that this bus did not know of: its version
                    body = encode(envelope("method", method, kwargs, retry))
                    reply = await self._request(host, method, body,
                                                deadline - time.monotonic())
        except TimeoutError:
            BUS_ERRORS.labels(method, "timeout").inc()
            raise HostUnreachable(f"host {host} did not answer {method} in {timeout}s") from None
        if "fault" in reply:
            BUS_ERRORS.labels(method, reply["fault"]["code"]).inc()
            raise from_record(reply["fault"])
        return reply["result"]

    async def _request(self, host: str, method: str, body: bytes,
                       ttl: float) -> dict[str, Any]:
        """Publish the call and wait for its reply; each time the connection comes back
        meanwhile, publish it again (same message id: the agent answers it once)."""
        correlation_id, future = self._replies.expect()
        deadline = time.monotonic() + ttl
        try:
            while True:
                back = self._reconnected
                try:
                    await self._publish("", host_queue(host), body, persistent=False,
                                        correlation_id=correlation_id,
                                        message_id=correlation_id,
                                        reply_to=self._replies.queue_name,
                                        expiration=max(deadline - time.monotonic(), 0.001))
                except PublishError:
                    BUS_ERRORS.labels(method, "unreachable").inc()
                    raise HostUnreachable(f"no agent for host {host}") from None
                waiter: asyncio.Future[Any] = asyncio.ensure_future(back.wait())
                pending: set[asyncio.Future[Any]] = {future, waiter}
                try:
                    await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                if future.done():
                    return future.result()
                LOG.warning("call %s to %s sent again: the connection to the broker was "
                            "lost while it waited", method, host)
        finally:
            self._replies.forget(correlation_id)

    async def cast(self, host: str, method: str, **kwargs: Any) -> None:
        """Send and return once the broker has it (persistent, in the host's queue). A host
        with no queue is logged, as a failed cast is; a broker away for PUBLISH_TIMEOUT
        raises HostUnreachable."""
        BUS_MESSAGES.labels(method).inc()
        body = encode(envelope("method", method, kwargs, self._speak(host, method)))
        try:
            # a message id of its own: a cast published again (its confirm lost with the
            # connection) runs once on the agent
            await self._publish_within("", host_queue(host), body, method,
                                       message_id=uuid.uuid4().hex)
        except PublishError:
            BUS_ERRORS.labels(method, "unreachable").inc()
            LOG.error("cast %s to %s failed: no agent for host %s", method, host, host)

    # -- up: reports from hosts ----------------------------------------------------------
    async def report(self, host: str, event: str, /, **kwargs: Any) -> None:
        """Send `event` from `host` to the controllers' queue (persistent, confirmed)."""
        BUS_MESSAGES.labels(event).inc()
        body = encode({**envelope("event", event, kwargs), "host": host})
        await self._publish_within("", CONTROLLER_QUEUE, body, event)

    def on(self, event: str, handler: EventHandler) -> None:
        """Run `handler(host, **args)` for each `event` this controller consumes."""
        self._handlers.setdefault(event, []).append(handler)
        if self._events is None:
            self._events = asyncio.get_running_loop().create_task(self._consume_events())
            self._setups.append(self._events)

    async def _consume_events(self) -> None:
        channel = await self.connection.channel()
        assert isinstance(channel, AbstractRobustChannel)
        await channel.set_qos(prefetch_count=1)   # one at a time: reports stay in order
        queue = await channel.declare_queue(CONTROLLER_QUEUE, durable=True, arguments=QUORUM)
        await queue.consume(self._on_event)

    async def _on_event(self, incoming: AbstractIncomingMessage) -> None:
        try:
            message = _decode(incoming.body, "event")
            host = message.get("host")
            if not isinstance(host, str):
                raise MalformedMessage("no sending host")
        except MalformedMessage as exc:
            BUS_ERRORS.labels("unknown", "malformed").inc()
            LOG.warning("malformed message on %s dropped: %s", CONTROLLER_QUEUE, exc)
            await incoming.ack()
            return
        try:
            await self._deliver(self._handlers, host, message)
        finally:
            try:
                await incoming.ack()
            except _LOST as exc:
                # delivered again once the broker is back: the reports' handlers are
                # idempotent (a state, a beat, an inventory)
                LOG.warning("ack on %s lost (%s)", CONTROLLER_QUEUE, exc)

    async def _deliver(self, handlers: dict[str, list[EventHandler]], host: str,
                       message: dict[str, Any]) -> None:
        event = message["event"]
        if event == HELLO:
            version = message["args"].get("version")
            if isinstance(version, str):
                self._known[host] = version
            return
        for handler in handlers.get(event, []):
            try:
                await handler(host, **message["args"])
            except Exception:  # noqa: BLE001 - as the in-process bus: logged, not raised
                BUS_ERRORS.labels(event, "handler").inc()
                LOG.exception("handler of %s from %s failed", event, host)

    # -- everyone: broadcasts ------------------------------------------------------------
    async def broadcast(self, event: str, /, **kwargs: Any) -> None:
        """Send `event` to every bus listening (`on_broadcast`), now; not kept for those
        that are not."""
        BUS_MESSAGES.labels(event).inc()
        body = encode({**envelope("event", event, kwargs), "host": self.name})
        await self._publish_within(BROADCAST_EXCHANGE, "", body, event, mandatory=False,
                                   persistent=False)

    def on_broadcast(self, event: str, handler: EventHandler) -> None:
        """Run `handler(sender, **args)` for each `event` broadcast from now on."""
        self._broadcast_handlers.setdefault(event, []).append(handler)
        if self._broadcasts is None:
            self._broadcasts = asyncio.get_running_loop().create_task(self._bind_broadcasts())
            self._setups.append(self._broadcasts)

    async def _bind_broadcasts(self) -> None:
        channel = await self.connection.channel()
        queue = await channel.declare_queue(
            f"nubo.broadcast.{self._replies.id}", exclusive=True, auto_delete=True)
        await queue.bind(BROADCAST_EXCHANGE)
        await queue.consume(self._on_broadcast, no_ack=True)

    async def _on_broadcast(self, incoming: AbstractIncomingMessage) -> None:
        try:
            message = _decode(incoming.body, "event")
        except MalformedMessage as exc:
            LOG.warning("malformed broadcast dropped: %s", exc)
            return
        await self._deliver(self._broadcast_handlers, str(message.get("host")), message)

    # -- publishing ----------------------------------------------------------------------
    async def _publish_within(self, exchange: str, routing_key: str, body: bytes, name: str,
                              *, mandatory: bool = True, persistent: bool = True,
                              **properties: Any) -> None:
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._publish(exchange, routing_key, body, persistent=persistent,
                                    mandatory=mandatory, **properties)
        except TimeoutError:
            BUS_ERRORS.labels(name, "unreachable").inc()
            raise HostUnreachable(f"the broker did not take {name} within "
                                  f"{PUBLISH_TIMEOUT}s") from None

    async def _publish(self, exchange: str, routing_key: str, body: bytes, *,
                       persistent: bool, mandatory: bool = True, confirm: bool = True,
                       **properties: Any) -> None:
        """Publish and wait for the broker's confirm; while the connection is away, try
        again once it is back (the caller bounds the wait). PublishError: unroutable."""
        assert self._publisher is not None, "AmqpBus used before connect()"
        message = aio_pika.Message(
            body, content_type="application/json",
            delivery_mode=(aio_pika.DeliveryMode.PERSISTENT if persistent
                           else aio_pika.DeliveryMode.NOT_PERSISTENT), **properties)
        while True:
            try:
                channel = self._publisher if confirm else self._replier
                assert channel is not None
                target = channel.default_exchange if not exchange else self._fanout
                assert target is not None
                await target.publish(message, routing_key, mandatory=mandatory)
                return
            except PublishError:
                raise
            except _LOST as exc:
                LOG.warning("publish to %s lost (%s): again once the broker is back",
                            routing_key or exchange, exc)
            except asyncio.CancelledError:
                # aiormq cancels the confirm of a publish whose connection closed under it;
                # only a cancellation of this task itself ends the publish
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                LOG.warning("publish to %s lost with its connection: again once the broker "
                            "is back", routing_key or exchange)
            await asyncio.sleep(0.5)
