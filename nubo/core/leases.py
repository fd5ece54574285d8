"""Leases on periodic jobs: with several controller replicas on one database, exactly one of
them runs each job (the reconcile, the heartbeats, the reclaim of deleted servers ...).

A lease is a row (job name, holder, expiry). A replica takes or renews it with one
conditional UPDATE: "it is mine, or it has expired"; the very first time, the row is
INSERTed and a replica that loses that race gets the unique-key conflict. The holder renews
each period; one that dies (`kill -9`) stops renewing, and once the expiry passes the next
replica that asks takes the job over. Expiries are written by each replica's clock (naive
UTC): replicas' clocks must agree to well within a lease's time to live (NTP).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Database, Timestamp, utcnow
from nubo.core.errors import Conflict


class Lease(Base):
    __tablename__ = "nubo_lease"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    #: when the holder took it (kept while it renews)
    acquired_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


def process_id() -> str:
    """This process among all replicas: host, pid and a random part (a pid comes back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    """The leases of one replica (`holder`)."""

    def __init__(self, db: Database, holder: str | None = None) -> None:
        self.db = db
        self.holder = holder or process_id()

    async def acquire(self, name: str, ttl: float) -> bool:
        """Take or renew the lease on job `name` for `ttl` seconds; True when this replica
        holds it now (and should run the job), False when another live replica does."""
        now = utcnow()
        until = now + timedelta(seconds=ttl)
        async with self.db.write() as s:
            # one conditional UPDATE; acquired_at is assigned before holder (MariaDB
            # evaluates SET left to right, with the values already assigned)
            got = (await s.execute(update(Lease).where(
                Lease.name == name,
                or_(Lease.holder == self.holder, Lease.expires_at < now)).ordered_values(
                (Lease.acquired_at, case((Lease.holder == self.holder, Lease.acquired_at),
                                         else_=now)),
                (Lease.holder, self.holder), (Lease.expires_at, until)))
                   ).rowcount  # type: ignore[attr-defined]
            if got:
                return True
            exists = (await s.execute(select(Lease.name).where(Lease.name == name))).first()
            if exists is not None:
                return False
        try:
            async with self.db.write() as s:
                s.add(Lease(name=name, holder=self.holder, acquired_at=now, expires_at=until))
        except Conflict:        # another replica inserted it first
            return False
        return True

    async def holder_of(self, name: str) -> str | None:
        """Who holds the lease on `name` now (None: no one, or it expired)."""
        async with self.db.read() as s:
            row = (await s.execute(select(Lease.holder, Lease.expires_at).where(
                Lease.name == name))).first()
        return row.holder if row is not None and row.expires_at >= utcnow() else None

    async def release_all(self) -> None:
        """A replica stopping cleanly gives its leases up: another takes them at once."""
        async with self.db.write() as s:
            await s.execute(delete(Lease).where(Lease.holder == self.holder))


    async def release(self, name: str) -> None:
        """Give up the lease on one job (a stack's work done: another replica may take the
        next action at once)."""
        async with self.db.write() as s:
            await s.execute(delete(Lease).where(Lease.name == name,
                                                Lease.holder == self.holder))
