"""Remote consoles: console output through the driver, and console URLs with a token.

A token is handed to the user once, inside the URL; only its sha256 is stored, with the
host and port the driver named and an expiry (settings.console_token_ttl). The websocket
relay calls `ConsoleService.validate` to learn where to connect.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from nubo.compute import errors
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.models import Instance
from nubo.compute.models_actions import ConsoleAuthToken
from nubo.core.bus import Bus, HostUnreachable
from nubo.core.db import Database, utcnow

#: console kind (the API's `type`) -> its protocol
PROTOCOLS = {"novnc": "vnc", "serial": "serial"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleService:
    def __init__(self, db: Database, bus: Bus, public_base: str, ttl: int = 600) -> None:
        self.db = db
        self.bus = bus
        self.public_base = public_base.rstrip("/")
        self.ttl = ttl

    async def output(self, inst: Instance, length: int | None) -> str:
        if not inst.host:
            raise errors.InstanceNotReady(instance_id=inst.id)
        try:
            text: str = await self.bus.call(inst.host, "console_output",
                                            instance_id=inst.id, length=length)
        except HostUnreachable:
            raise errors.InstanceNotReady(instance_id=inst.id) from None
        except SpawnFailed:
            raise errors.ConsoleNotAvailable() from None
        return text

    async def create(self, inst: Instance, kind: str) -> str:
        """A console URL of `kind` for the instance, with a new token in it."""
        if not inst.host:
            raise errors.InstanceNotReady(instance_id=inst.id)
        try:
            where = await self.bus.call(inst.host, "console", instance_id=inst.id, kind=kind)
        except (HostUnreachable, SpawnFailed):
            raise errors.InstanceNotReady(instance_id=inst.id) from None
        if not where:
            raise errors.ConsoleTypeUnavailable(console_type=kind)
        token = secrets.token_urlsafe(24)
        now = utcnow()
        async with self.db.write() as s:
            await s.execute(delete(ConsoleAuthToken).where(ConsoleAuthToken.expires_at < now))
            s.add(ConsoleAuthToken(token_hash=_hash(token), instance_uuid=inst.id,
                                   console_type=kind, host=str(where["host"]),
                                   port=int(where["port"]),
                                   internal_access_path=where.get("internal_access_path"),
                                   expires_at=now + timedelta(seconds=self.ttl)))
        if kind == "serial":
            ws = self.public_base.replace("http", "ws", 1)
            return f"{ws}/serial/?token={token}"
        return f"{self.public_base}/vnc/vnc_lite.html?path=vnc%3Ftoken%3D{token}"

    async def lookup(self, token: str) -> ConsoleAuthToken | None:
        """The unexpired record of `token` whose instance still exists."""
        async with self.db.read() as s:
            row = await s.get(ConsoleAuthToken, _hash(token))
            if row is None or row.expires_at <= utcnow():
                return None
            inst = (await s.execute(select(Instance.deleted).where(
                Instance.id == row.instance_uuid))).scalar_one_or_none()
            return None if inst is None or inst else row

    async def validate(self, token: str) -> dict[str, Any] | None:
        """For the websocket relay: where the console behind `token` is ({"instance_id",
        "host", "port", "kind"}), or None when the token is unknown, expired, or its server
        is gone."""
        row = await self.lookup(token)
        if row is None:
            return None
        return {"instance_id": row.instance_uuid, "host": row.host, "port": row.port,
                "kind": row.console_type}
