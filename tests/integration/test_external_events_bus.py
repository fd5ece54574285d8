"""An os-server-external-event received by one controller replica wakes a waiter in
another at once through the bus's broadcast (RabbitMQ), not at its next database look."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from nubo.compute.service.external_events import EventWaiters
from nubo.core.bus import InProcessBus
from nubo.core.db import Database
from tests.integration.test_bus_amqp import Buses, amqp, vhost_url  # noqa: F401 - fixtures

#: long enough that only the broadcast can explain a prompt wake-up
SLOW_POLL = 30.0


async def test_an_event_recorded_by_one_replica_wakes_the_other_over_the_bus(
        amqp: Buses, tmp_path: Path) -> None:  # noqa: F811
    db = Database(f"sqlite:///{tmp_path / 'nubo.db'}")
    await db.migrate()
    try:
        one = EventWaiters(db, await amqp(name="replica-one"), poll=SLOW_POLL)
        two = EventWaiters(db, await amqp(name="replica-two"), poll=SLOW_POLL)
        waiter = asyncio.ensure_future(two.wait("i-1", "network-vif-plugged", "p1", 20))
        await asyncio.sleep(0.5)            # waiting (and listening) before the event
        t0 = time.monotonic()
        await one.deliver("i-1", "network-vif-plugged", "p1", "completed")
        assert await asyncio.wait_for(waiter, 10) == "completed"
        assert time.monotonic() - t0 < SLOW_POLL / 3, "woken by the poll, not the bus"
        # the event answered that waiter only: none is left for another
        with pytest.raises(TimeoutError):
            await one.wait("i-1", "network-vif-plugged", "p1", 0.5)
    finally:
        await db.dispose()


async def test_without_a_bus_listener_the_poll_still_finds_it(tmp_path: Path) -> None:
    """A broadcast is a hint: a replica on another bus (none reaches it) finds the event by
    polling the database."""
    db = Database(f"sqlite:///{tmp_path / 'nubo.db'}")
    await db.migrate()
    try:
        one = EventWaiters(db, InProcessBus(), poll=0.2)
        two = EventWaiters(db, InProcessBus(), poll=0.2)
        waiter = asyncio.ensure_future(two.wait("i-2", "network-vif-plugged", None, 10))
        await asyncio.sleep(0.1)
        await one.deliver("i-2", "network-vif-plugged", None, "failed")
        assert await asyncio.wait_for(waiter, 5) == "failed"
    finally:
        await db.dispose()
