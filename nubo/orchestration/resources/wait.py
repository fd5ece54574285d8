"""OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition. A handle is signalled by a
POST to its endpoint on the orchestration API with its token (in X-Auth-Token, or
`?token=`), no stack-domain user needed; the body {status: SUCCESS|FAILURE, reason, data,
id} is recorded on the handle. The wait condition completes once `count` successes came,
and fails on the first FAILURE or at its timeout."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from nubo.orchestration.resources.base import Base, Ctx, Nested, Prop, ResourceFailure


def _stack(c: Ctx) -> Nested:
    if c.nested is None:
        raise ResourceFailure("signals are not available here")
    return c.nested


class WaitConditionHandle(Base):
    """Where a server tells the stack it is ready (curl_cli, endpoint and token)."""

    type_name = "OS::Heat::WaitConditionHandle"
    properties: ClassVar[Mapping[str, Prop]] = {
        "signal_transport": Prop("string", default="TOKEN_SIGNAL",
                                 allowed=("TOKEN_SIGNAL", "HEAT_SIGNAL", "NO_SIGNAL"))}
    attributes = ("token", "endpoint", "curl_cli", "signal")

    async def create(self, c: Ctx) -> str:
        c.data["token"] = secrets.token_urlsafe(32)
        return str(uuid.uuid4())

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        token = str(c.data.get("token", ""))
        url = _stack(c).signal_url(c.name)
        return {"token": token, "endpoint": url,
                "curl_cli": (f"curl -i -X POST -H 'X-Auth-Token: {token}' "
                             "-H 'Content-Type: application/json' "
                             f"-H 'Accept: application/json' {url}"),
                "signal": {"url": url, "token": token}}


class WaitCondition(Base):
    """Waits for `count` SUCCESS signals on its handle, at most `timeout` seconds."""

    type_name = "OS::Heat::WaitCondition"
    properties: ClassVar[Mapping[str, Prop]] = {
        "handle": Prop("string", required=True),
        "count": Prop("integer", default=1, update_allowed=True),
        "timeout": Prop("number", required=True, update_allowed=True)}
    attributes = ("data",)

    async def create(self, c: Ctx) -> str:
        if float(c.properties["timeout"]) < 1 or int(c.properties.get("count") or 1) < 1:
            raise ResourceFailure("timeout and count must be at least 1")
        c.data["until"] = time.time() + float(c.properties["timeout"])
        return str(uuid.uuid4())

    async def check_create_complete(self, c: Ctx) -> bool:
        signals = await _stack(c).signals(str(c.properties["handle"]))
        failed = [str(s.get("reason") or "") for s in signals.values()
                  if s.get("status") == "FAILURE"]
        if failed:
            raise ResourceFailure("; ".join(failed), "WaitConditionFailure")
        got = sum(1 for s in signals.values() if s.get("status") == "SUCCESS")
        want = int(c.properties.get("count") or 1)
        if got >= want:
            return True
        if time.time() >= float(c.data.get("until", 0)):
            raise ResourceFailure(f"{got} of {want} received", "WaitConditionTimeout")
        return False

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        c.data["until"] = time.time() + float(c.properties["timeout"])

    async def check_update_complete(self, c: Ctx) -> bool:
        return await self.check_create_complete(c)

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        signals = await _stack(c).signals(str(c.properties.get("handle")))
        return {"data": json.dumps({k: s.get("data") for k, s in signals.items()
                                    if s.get("status") == "SUCCESS"})}
