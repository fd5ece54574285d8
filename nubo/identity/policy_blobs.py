"""/v3/policies: policy documents stored for clients, as Keystone's (deprecated) policy API.

Keystone never enforces these blobs either; its policy comes from policy files. Nubo's does
too (`nubo.identity.policies` and the operator's policy file).
"""

from __future__ import annotations

from typing import Any

from nubo.identity import models as m
from nubo.identity.service import IdentityService, _apply, new_id


class PolicyBlobs:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity

    async def create(self, data: dict[str, Any]) -> m.Policy:
        async with self.identity._write() as s:
            p = m.Policy(id=new_id(), extra={})
            _apply(p, data)
            s.add(p)
            return p

    async def get(self, policy_id: str) -> m.Policy:
        return await self.identity.get(m.Policy, policy_id, "policy")

    async def list_(self, type: str | None = None) -> list[m.Policy]:
        return await self.identity._list(m.Policy, {"type": type})

    async def update(self, policy_id: str, data: dict[str, Any]) -> m.Policy:
        async with self.identity._write() as s:
            p = await self.identity._get(s, m.Policy, policy_id, "policy")
            _apply(p, data)
            return p

    async def delete(self, policy_id: str) -> None:
        async with self.identity._write() as s:
            await s.delete(await self.identity._get(s, m.Policy, policy_id, "policy"))
