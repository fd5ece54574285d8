"""OS-OAUTH1 consumers (/v3/OS-OAUTH1/consumers): registration of OAuth 1.0a consumers.

Only the consumer registry exists; the delegation flow (request tokens, authorization, access
tokens) is not implemented, so its routes answer 404 and a consumer grants nothing yet. The
secret is shown once, at creation, as Keystone does.
"""

from __future__ import annotations

import secrets
from typing import Any

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.crypt import SecretBox
from nubo.identity.service import IdentityService, _apply, new_id


class Consumers:
    def __init__(self, identity: IdentityService, box: SecretBox) -> None:
        self.identity = identity
        self.box = box

    async def create(self, data: dict[str, Any]) -> tuple[m.OAuthConsumer, str]:
        # The server picks the secret; one sent by the client is ignored, as by Keystone.
        data = {k: v for k, v in data.items() if k != "secret"}
        secret = secrets.token_hex(16)
        async with self.identity._write() as s:
            c = m.OAuthConsumer(id=new_id(), encrypted_secret=self.box.seal(secret), extra={})
            _apply(c, data)
            s.add(c)
        return c, secret

    async def get(self, consumer_id: str) -> m.OAuthConsumer:
        return await self.identity.get(m.OAuthConsumer, consumer_id, "consumer")

    async def list_(self) -> list[m.OAuthConsumer]:
        return await self.identity._list(m.OAuthConsumer, {})

    async def update(self, consumer_id: str, data: dict[str, Any]) -> m.OAuthConsumer:
        if "secret" in data:
            raise errors.ConsumerSecretImmutable()
        async with self.identity._write() as s:
            c = await self.identity._get(s, m.OAuthConsumer, consumer_id, "consumer")
            _apply(c, data)
            return c

    async def delete(self, consumer_id: str) -> None:
        async with self.identity._write() as s:
            await s.delete(await self.identity._get(s, m.OAuthConsumer, consumer_id,
                                                    "consumer"))
