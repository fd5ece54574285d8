"""A stop that always ends: each step of a process's stop gets a bounded time; a step that
overruns is logged with what every task of the process is waiting on (where a stuck stop
hangs, for the operator and for us), cancelled, and the stop goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

LOG = logging.getLogger("nubo.stop")
#: seconds one step of a stop may take
STEP_SECONDS = 30.0


def waiting_on() -> list[str]:
    """Each other task of the loop with the line it waits at."""
    here = asyncio.current_task()
    out: list[str] = []
    for task in asyncio.all_tasks():
        if task is here or task.done():
            continue
        frames = task.get_stack()
        where = (f"{frames[-1].f_code.co_filename}:{frames[-1].f_lineno} "
                 f"in {frames[-1].f_code.co_name}") if frames else "?"
        out.append(f"{task.get_name()} at {where}")
    return sorted(out)


async def bounded(step: Awaitable[Any], what: str, seconds: float = STEP_SECONDS) -> bool:
    """Run one step of a stop; False (logged, the step cancelled) when it overran."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if done:
        task.result()               # a step that failed fails the stop, as before
        return True
    LOG.error("stopping: %s did not finish within %g s; going on without it. Waiting: %s",
              what, seconds, "; ".join(waiting_on()) or "nothing")
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    return False
