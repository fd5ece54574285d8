"""The agent's side of a call, the same on every transport: check the message's version and
the method's whitelist, run it, and answer with a JSON reply (`{"result": ...}` or
`{"fault": record}`)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nubo.core.bus.faults import RpcVersionMismatch, UnknownMethod, to_record
from nubo.core.bus.protocol import RpcEndpoint, compatible
from nubo.core.logs import request_id_var

LOG = logging.getLogger("nubo.bus")


def encode(message: dict[str, Any]) -> bytes:
    """A message as it travels (TypeError/ValueError if JSON cannot carry it)."""
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode()


def wire(message: dict[str, Any]) -> dict[str, Any]:
    """What the other side receives: the message through JSON (TypeError if it cannot)."""
    decoded: dict[str, Any] = json.loads(encode(message))
    return decoded


async def serve(endpoint: RpcEndpoint, own: str, message: dict[str, Any]) -> dict[str, Any]:
    """Run `message` ({"v", "method", "args", "request_id"}) on `endpoint`, an agent at RPC
    version `own`; every failure comes back as a fault record, never raised."""
    token = request_id_var.set(message.get("request_id"))
    try:
        name = message["method"]
        if not compatible(message["v"], own):
            raise RpcVersionMismatch(f"message v{message['v']} is newer than this "
                                     f"agent's v{own}")
        if name not in endpoint.RPC_METHODS:
            raise UnknownMethod(f"{name} is not an RPC method of the agent (v{own})")
        result = await getattr(endpoint, name)(**message["args"])
        return wire({"result": result})
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure crosses as a record
        if type(exc).__module__.startswith(("builtins", "json")) or not hasattr(exc, "code"):
            LOG.exception("RPC %s failed on the agent", message.get("method"))
        return wire({"fault": to_record(exc)})
    finally:
        request_id_var.reset(token)
