"""The work behind the backup API's 202s: the volume backend writes the volume's bytes as a
raw file, the backup store chunks them (and back for a restore), off the event loop; the
outcome goes on the rows in one transaction (the backup, and the volume or snapshot given
back its status). A failure is an `error` with its reason and a user message, never a
state left behind. `resume` runs again what a restart cut off: every step is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from nubo.core.db import Database, utcnow
from nubo.volume.agent.backend.base import BackendError, VolumeDriver
from nubo.volume.agent.backup.base import BackupDriver, BackupError, Parent
from nubo.volume.models import Backup, Snapshot, Volume
from nubo.volume.service.messages import Action, Detail, MessageService, Resource
from nubo.volume.service.work import Worker
from nubo.volume.states import (
    BACKING_UP,
    ERROR_RESTORING,
    RESTORING_BACKUP,
    BackupStatus,
    SnapshotStatus,
    VolumeStatus,
)

LOG = logging.getLogger("nubo.volume.backup")
T = TypeVar("T")


class Failed(Exception):
    def __init__(self, message: str, detail: Detail) -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


class BackupWork:
    def __init__(self, db: Database, worker: Worker, volumes: VolumeDriver,
                 store: BackupDriver, messages: MessageService, work_dir: Path) -> None:
        self.db, self.worker, self.volumes, self.store = db, worker, volumes, store
        self.messages, self.work_dir = messages, work_dir

    def spawn_create(self, backup_id: str) -> None:
        self.worker.spawn(self.create(backup_id), f"backup-create-{backup_id}")

    def spawn_restore(self, backup_id: str) -> None:
        self.worker.spawn(self.restore(backup_id), f"backup-restore-{backup_id}")

    def spawn_delete(self, backup_id: str) -> None:
        self.worker.spawn(self.delete(backup_id), f"backup-delete-{backup_id}")

    async def _call(self, op: Callable[[], T], detail: Detail) -> T:
        try:
            return await asyncio.to_thread(op)
        except (BackendError, BackupError) as exc:
            raise Failed(exc.message, detail) from None
        except Exception as exc:  # noqa: BLE001 - a driver bug is recorded, not lost
            LOG.exception("backup step failed")
            raise Failed(f"{type(exc).__name__}: {exc}", detail) from None

    def _raw(self, name: str) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir / f"{name}.raw"

    # ------------------------------------------------------------------ create

    async def create(self, backup_id: str) -> None:
        async with self.db.read() as s:
            b = await s.get(Backup, backup_id)
            if b is None or b.status != BackupStatus.CREATING:
                return
            parent = await s.get(Backup, b.parent_id) if b.parent_id else None
        raw = self._raw(backup_id)
        try:
            await self._call(lambda: self.volumes.read_raw(b.volume_id, b.snapshot_id, raw),
                             Detail.BACKUP_CREATE_DEVICE_ERROR)
            up = Parent(parent.id, parent.container or "") if parent else None
            stored = await self._call(
                lambda: self.store.backup(backup_id, b.container or "", raw, up),
                Detail.BACKUP_CREATE_DRIVER_ERROR)
        except Failed as exc:
            LOG.warning("backup %s failed: %s", backup_id, exc.message)
            await self._end_create(backup_id, BackupStatus.ERROR, exc.message, 0)
            await self.messages.record(b.project_id, Resource.VOLUME_BACKUP, backup_id,
                                       Action.BACKUP_CREATE, exc.detail)
            return
        finally:
            raw.unlink(missing_ok=True)
        await self._end_create(backup_id, BackupStatus.AVAILABLE, None, stored.object_count)

    async def _end_create(self, backup_id: str, status: str, fault: str | None,
                          objects: int) -> None:
        """The backup's outcome, and its volume (or snapshot) given back its status."""
        async with self.db.write() as s:
            b = await s.get(Backup, backup_id)
            if b is None:
                return
            b.status, b.fail_reason, b.updated_at = status, fault, utcnow()
            b.object_count = objects
            if b.snapshot_id:
                snap = await s.get(Snapshot, b.snapshot_id)
                if snap is not None and snap.status == BACKING_UP:
                    snap.status = b.previous_status or SnapshotStatus.AVAILABLE
            else:
                vol = await s.get(Volume, b.volume_id)
                if vol is not None and vol.status == BACKING_UP:
                    vol.status = b.previous_status or VolumeStatus.AVAILABLE
                    vol.updated_at = utcnow()

    # ------------------------------------------------------------------ restore

    async def restore(self, backup_id: str) -> None:
        async with self.db.read() as s:
            b = await s.get(Backup, backup_id)
            if b is None or b.status != BackupStatus.RESTORING or not b.restore_volume_id:
                return
            vol = await s.get(Volume, b.restore_volume_id)
        if vol is None:
            await self._end_restore(backup_id, None, None)
            return
        raw = self._raw(f"restore-{backup_id}")
        try:
            # the volume a restore made is created here (may exist: a restart's rerun)
            await self._call(lambda: self.volumes.create_volume(vol.id, vol.size),
                             Detail.BACKUP_RESTORE_ERROR)
            await self._call(lambda: self.store.restore(backup_id, b.container or "", raw),
                             Detail.BACKUP_RESTORE_ERROR)
            await self._call(lambda: self.volumes.write_raw(vol.id, raw),
                             Detail.BACKUP_RESTORE_ERROR)
        except Failed as exc:
            LOG.warning("restore of backup %s failed: %s", backup_id, exc.message)
            await self._end_restore(backup_id, vol.id, exc.message)
            await self.messages.record(b.project_id, Resource.VOLUME_BACKUP, backup_id,
                                       Action.BACKUP_RESTORE, exc.detail)
            return
        finally:
            raw.unlink(missing_ok=True)
        await self._end_restore(backup_id, vol.id, None)

    async def _end_restore(self, backup_id: str, volume_id: str | None,
                           fault: str | None) -> None:
        """The backup is available again either way (Cinder's); the volume is available,
        or error_restoring with the fault."""
        async with self.db.write() as s:
            b = await s.get(Backup, backup_id)
            if b is not None:
                b.status, b.restore_volume_id, b.updated_at = (BackupStatus.AVAILABLE, None,
                                                               utcnow())
            vol = await s.get(Volume, volume_id) if volume_id else None
            if vol is not None and vol.status == RESTORING_BACKUP:
                vol.status = ERROR_RESTORING if fault else VolumeStatus.AVAILABLE
                vol.fault, vol.updated_at = fault, utcnow()
                if not fault and b is not None:     # the source's metadata, as Cinder's
                    vol.metadata_ = {**vol.metadata_, **b.volume_metadata}

    # ------------------------------------------------------------------ delete

    async def delete(self, backup_id: str) -> None:
        async with self.db.read() as s:
            b = await s.get(Backup, backup_id)
            if b is None or b.status != BackupStatus.DELETING:
                return
        try:
            await self._call(lambda: self.store.delete(backup_id, b.container or ""),
                             Detail.BACKUP_DELETE_DRIVER_ERROR)
        except Failed as exc:
            LOG.warning("delete of backup %s failed: %s", backup_id, exc.message)
            async with self.db.write() as s:
                row = await s.get(Backup, backup_id)
                if row is not None:
                    row.status, row.fail_reason = BackupStatus.ERROR, exc.message
                    row.updated_at = utcnow()
            await self.messages.record(b.project_id, Resource.VOLUME_BACKUP, backup_id,
                                       Action.BACKUP_DELETE, exc.detail)
            return
        async with self.db.write() as s:
            row = await s.get(Backup, backup_id)
            if row is not None:
                await s.delete(row)

    # ------------------------------------------------------------------ recovery

    async def resume(self) -> int:
        """Run again the creates, restores and deletes a restart cut off. How many."""
        async with self.db.read() as s:
            rows = list((await s.execute(select(Backup.id, Backup.status).where(
                Backup.status.in_([BackupStatus.CREATING, BackupStatus.RESTORING,
                                   BackupStatus.DELETING])))).all())
        steps: dict[str, Callable[[str], None]] = {
            BackupStatus.CREATING: self.spawn_create, BackupStatus.RESTORING:
            self.spawn_restore, BackupStatus.DELETING: self.spawn_delete}
        for bid, status in rows:
            steps[str(status)](bid)
        return len(rows)
