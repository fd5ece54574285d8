"""libvirt lifecycle events, and libvirt's states as Nova's power states.

libvirt delivers events only to a process that registered an event loop implementation
before opening its connection (`virEventRegisterDefaultImpl`) and keeps running it: one
daemon thread does that here, and hands each event to the asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from nubo.compute import states

LOG = logging.getLogger("nubo.compute.libvirt")

#: virDomainState -> Nova power state (nova/virt/libvirt/driver.py LIBVIRT_POWER_STATE)
POWER_STATES = {0: states.NOSTATE, 1: states.RUNNING, 2: states.RUNNING,
                3: states.PAUSED_POWER, 4: states.SHUTDOWN, 5: states.SHUTDOWN,
                6: states.CRASHED, 7: states.SUSPENDED_POWER}
#: virDomainEventType -> the power state it leaves the domain in (None: not a transition)
EVENT_STATES = {2: states.RUNNING,       # STARTED
                3: states.PAUSED_POWER,  # SUSPENDED (paused)
                4: states.RUNNING,       # RESUMED
                5: states.SHUTDOWN,      # STOPPED
                8: states.CRASHED}       # CRASHED

Handler = Callable[[str, str, int], None]     # (instance id, domain name, power state)

_registered = False
_lock = threading.Lock()


def register_event_impl() -> None:
    """Install libvirt's default event loop and its thread (once per process; it must
    happen before the connection that wants events is opened)."""
    global _registered
    with _lock:
        if _registered:
            return
        import libvirt

        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:  # noqa: BLE001 - keep the thread alive
                    LOG.exception("libvirt event loop iteration failed")
        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _registered = True


def watch(conn: Any, loop: asyncio.AbstractEventLoop, handler: Handler) -> int:
    """Call `handler` on the asyncio loop for each lifecycle event of an instance domain."""
    import libvirt

    def callback(_conn: Any, dom: Any, event: int, _detail: int, _opaque: Any) -> None:
        power = EVENT_STATES.get(event)
        name = dom.name()
        if power is None or not name.startswith("instance-"):
            return
        loop.call_soon_threadsafe(handler, dom.UUIDString(), name, power)
    return int(conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                           callback, None))
