"""Token revocation: events in the database, mirrored in memory for a fast check.

An event revokes every token whose attributes match all of the event's non-null fields and
that was issued before the event. Each process re-reads new events (and the identity change
counter) at most once a second, so a revocation made through another controller takes
effect there within a second; one made here takes effect at once.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC as _UTC
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, Meta, utcnow
from nubo.identity.models import RevocationEvent
from nubo.identity.tokens import TokenPayload

GENERATION_KEY = "identity_generation"
FIELDS = ("user_id", "project_id", "domain_id", "audit_id", "application_credential_id")


@dataclass(frozen=True)
class Event:
    id: int
    user_id: str | None
    project_id: str | None
    domain_id: str | None
    audit_id: str | None
    application_credential_id: str | None
    issued_before: float

    def matches(self, p: TokenPayload, user_domain_id: str | None,
                project_domain_id: str | None) -> bool:
        if p.issued_at >= self.issued_before:
            return False
        if self.user_id is not None and self.user_id != p.user_id:
            return False
        if self.project_id is not None and not (p.scope == "project"
                                                and p.scope_id == self.project_id):
            return False
        if self.domain_id is not None and self.domain_id not in (
                user_domain_id, project_domain_id, p.scope_id if p.scope == "domain" else None):
            return False
        if self.audit_id is not None and self.audit_id not in p.audit_ids:
            return False
        return not (self.application_credential_id is not None
                    and self.application_credential_id != p.app_cred_id)


def add_event(session: AsyncSession, **fields: str | None) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown revocation fields {unknown}")
    session.add(RevocationEvent(issued_before=utcnow(), revoked_at=utcnow(), **fields))


async def bump_generation(session: AsyncSession) -> None:
    """Mark identity as changed; other processes drop their token caches when they see it.
    A fresh random value, not a counter: two concurrent writers can never leave it equal."""
    row = await session.get(Meta, GENERATION_KEY)
    if row is None:
        session.add(Meta(key=GENERATION_KEY, value=uuid.uuid4().hex))
    else:
        row.value = uuid.uuid4().hex


class RevocationList:
    def __init__(self, db: Database, keep_seconds: int, poll_interval: float = 1.0) -> None:
        self.db = db
        self.keep_seconds = keep_seconds
        self.poll_interval = poll_interval
        self._by_field: dict[str, dict[str, list[Event]]] = {f: defaultdict(list)
                                                              for f in FIELDS}
        self._max_id = 0
        self._generation: str | None = None
        self._polled = 0.0
        self._pruned = 0.0

    async def refresh(self, force: bool = False) -> bool:
        """Load new events; True when anything in identity changed since the last call."""
        now = time.monotonic()
        if not force and now - self._polled < self.poll_interval:
            return False
        self._polled = now
        async with self.db.read() as s:
            rows = (await s.execute(select(RevocationEvent).where(
                RevocationEvent.id > self._max_id).order_by(RevocationEvent.id))).scalars().all()
            gen_row = await s.get(Meta, GENERATION_KEY)
        for r in rows:
            ev = Event(r.id, r.user_id, r.project_id, r.domain_id, r.audit_id,
                       r.application_credential_id,
                       r.issued_before.replace(tzinfo=_UTC).timestamp())
            for f in FIELDS:
                key = getattr(ev, f)
                if key is not None:
                    self._by_field[f][key].append(ev)
                    break
            self._max_id = max(self._max_id, r.id)
        generation = str(gen_row.value) if gen_row else None
        changed = bool(rows) or generation != self._generation
        self._generation = generation
        if now - self._pruned > 600:
            self._pruned = now
            await self._prune()
        return changed

    async def _prune(self) -> None:
        """Events older than the longest token lifetime can match no live token."""
        cutoff = utcnow() - timedelta(seconds=self.keep_seconds + 60)
        async with self.db.write() as s:
            await s.execute(delete(RevocationEvent).where(RevocationEvent.revoked_at < cutoff))
        cutoff_ts = cutoff.replace(tzinfo=_UTC).timestamp()
        for index in self._by_field.values():
            for key in list(index):
                index[key] = [e for e in index[key] if e.issued_before >= cutoff_ts]
                if not index[key]:
                    del index[key]

    def is_revoked(self, p: TokenPayload, user_domain_id: str | None,
                   project_domain_id: str | None) -> bool:
        candidates: list[Event] = []
        idx = self._by_field
        candidates += idx["user_id"].get(p.user_id, ())
        if p.scope == "project" and p.scope_id:
            candidates += idx["project_id"].get(p.scope_id, ())
        for d in {user_domain_id, project_domain_id, p.scope_id if p.scope == "domain" else None}:
            if d:
                candidates += idx["domain_id"].get(d, ())
        for a in p.audit_ids:
            candidates += idx["audit_id"].get(a, ())
        if p.app_cred_id:
            candidates += idx["application_credential_id"].get(p.app_cred_id, ())
        return any(e.matches(p, user_domain_id, project_domain_id) for e in candidates)

