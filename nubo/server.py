"""Serve a node over HTTP with uvicorn until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from pathlib import Path

import uvicorn

from nubo.banner import ready_banner
from nubo.config import Settings
from nubo.core import logs
from nubo.node import Node

LOG = logging.getLogger("nubo")


async def serve(settings: Settings) -> int:
    logs.setup(settings.data_dir / "logs", settings.log_level)
    node = Node(settings)
    try:
        result = await node.start()
    except Exception as exc:
        LOG.exception("start failed: %s", exc)
        await node.stop()
        return 1
    config = uvicorn.Config(node.app, host=settings.host, port=settings.port,
                            log_config=None, access_log=False, lifespan="off",
                            server_header=False, timeout_graceful_shutdown=10)
    server = uvicorn.Server(config)
    started = server.startup

    async def startup(sockets: object = None) -> None:
        await started(sockets)  # type: ignore[arg-type]
        if server.should_exit:
            return
        clouds = node.refresh_clouds_yaml()
        _announce(node, clouds, result.credentials is not None)
        asyncio.get_running_loop().call_later(1.0, _freeze_heap)
    server.startup = startup  # type: ignore[method-assign]
    # Our own signal handling: uvicorn would re-raise SIGTERM after its shutdown and so
    # kill the process before the node has closed its database.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop, server, sig)
    try:
        await server.serve()
    finally:
        await node.stop()
    return 0 if server.started else 1


def _freeze_heap() -> None:
    """Everything loaded at start lives as long as the process: keep the cyclic garbage
    collector from walking it again and again (it showed as 100 ms p95 spikes). Run a second
    after the listener answers, not before: the full collection takes 0.1-0.2 s."""
    gc.collect()
    gc.freeze()


def _stop(server: uvicorn.Server, sig: signal.Signals) -> None:
    LOG.info("%s received: stopping", sig.name)
    if server.should_exit:          # a second signal: do not wait for open connections
        server.force_exit = True
    server.should_exit = True


def _announce(node: Node, clouds: Path | None, first: bool) -> None:
    s = node.settings
    lines = ready_banner(s.base_url, node.identity.base_url, clouds, first, s.data_dir,
                         s.clients_bin, node.test_image.state if node.test_image else None)
    print("\n".join(lines), file=sys.stderr, flush=True)
    LOG.info("ready", extra={"url": s.base_url})
