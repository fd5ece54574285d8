"""Application credential access rules: a user's rules, shared between their credentials
(Keystone's application_credential backend: an identical rule is reused, not duplicated)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.service import IdentityService, new_id


def _not_found(rule_id: str) -> errors.AccessRuleNotFound:
    return errors.AccessRuleNotFound(access_rule_id=rule_id)


async def attach(s: AsyncSession, user_id: str, cred_id: str,
                 refs: list[dict[str, Any]]) -> None:
    """Give credential `cred_id` the rules `refs` (by id, or by content: reused when the user
    already has that rule, created otherwise)."""
    seen: set[str] = set()
    for ref in refs:
        rule = None
        if ref.get("id"):
            rule = await s.get(m.AccessRule, ref["id"])
            if rule is not None and rule.user_id != user_id:
                rule = None
        if rule is None:
            if not all(k in ref for k in ("service", "path", "method")):
                which = ref.get("id") or ref
                raise errors.InvalidAccessRule(access_rule_id=which)
            rule = (await s.execute(select(m.AccessRule).where(
                m.AccessRule.user_id == user_id, m.AccessRule.service == ref["service"],
                m.AccessRule.path == ref["path"], m.AccessRule.method == ref["method"]
            ))).scalars().first()
        if rule is None:
            rid = ref.get("id")
            if not rid or await s.get(m.AccessRule, rid) is not None:
                rid = new_id()
            rule = m.AccessRule(id=rid, user_id=user_id, service=ref["service"],
                                path=ref["path"], method=ref["method"])
            s.add(rule)
            await s.flush()
        if rule.id not in seen:
            seen.add(rule.id)
            s.add(m.AppCredAccessRule(application_credential_id=cred_id,
                                      access_rule_id=rule.id))


async def rules_of(s: AsyncSession, cred_ids: list[str]) -> dict[str, list[m.AccessRule]]:
    """The access rules of each credential (none: an empty list)."""
    out: dict[str, list[m.AccessRule]] = {c: [] for c in cred_ids}
    if not cred_ids:
        return out
    rows = await s.execute(select(m.AppCredAccessRule.application_credential_id, m.AccessRule)
                           .join(m.AccessRule, m.AccessRule.id ==
                                 m.AppCredAccessRule.access_rule_id)
                           .where(m.AppCredAccessRule.application_credential_id.in_(cred_ids))
                           .order_by(m.AccessRule.id))
    for cred_id, rule in rows.all():
        out[cred_id].append(rule)
    return out


class AccessRules:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        self.db = identity.db

    async def list(self, user_id: str, filters: dict[str, str]) -> list[m.AccessRule]:
        async with self.db.read() as s:
            await self.identity._get(s, m.User, user_id, "user")
            q = select(m.AccessRule).where(m.AccessRule.user_id == user_id)
            for key in ("service", "path", "method"):
                if key in filters:
                    q = q.where(getattr(m.AccessRule, key) == filters[key])
            return list((await s.execute(q.order_by(m.AccessRule.id))).scalars())

    async def get(self, user_id: str, rule_id: str) -> m.AccessRule:
        async with self.db.read() as s:
            rule = await s.get(m.AccessRule, rule_id)
        if rule is None or rule.user_id != user_id:
            raise _not_found(rule_id)
        return rule

    async def delete(self, user_id: str, rule_id: str) -> None:
        async with self.identity._write() as s:
            rule = await s.get(m.AccessRule, rule_id)
            if rule is None or rule.user_id != user_id:
                raise _not_found(rule_id)
            used = (await s.execute(select(m.AppCredAccessRule.application_credential_id)
                                    .where(m.AppCredAccessRule.access_rule_id == rule_id)
                                    )).scalars().first()
            if used:
                raise errors.AccessRuleInUse()
            await s.delete(rule)
