"""A stop step that hangs is bounded: logged with what each task waits on, cancelled, and
the stop goes on; a step that ends (or fails) is as before."""

from __future__ import annotations

import asyncio
import logging

import pytest

from nubo.core.stopping import bounded


async def test_a_hanging_step_is_cut_off_and_says_what_waits(
        caplog: pytest.LogCaptureFixture) -> None:
    never = asyncio.Event()

    async def stuck_helper() -> None:
        await never.wait()

    helper = asyncio.create_task(stuck_helper(), name="stuck-helper")
    reached: list[str] = []

    async def step() -> None:
        await helper

    with caplog.at_level(logging.ERROR, logger="nubo.stop"):
        assert await bounded(step(), "the test step", seconds=0.2) is False
    reached.append("after")
    assert reached == ["after"]
    [record] = caplog.records
    assert "the test step did not finish within 0.2 s" in record.getMessage()
    assert "stuck-helper at" in record.getMessage() and "stuck_helper" in record.getMessage()
    helper.cancel()


async def test_a_step_that_ends_or_fails_is_as_before() -> None:
    async def fine() -> None:
        await asyncio.sleep(0)

    async def broken() -> None:
        raise RuntimeError("boom")

    assert await bounded(fine(), "fine", seconds=1) is True
    with pytest.raises(RuntimeError, match="boom"):
        await bounded(broken(), "broken", seconds=1)
