"""Block storage domain logic: no request, no Starlette, typed errors (nubo/volume/errors)."""

from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nubo.core.db import Database
from nubo.volume.agent.backend.base import BackendError, VolumeDriver
from nubo.volume.agent.backend.fake import FakeDriver
from nubo.volume.agent.backend.file import FileDriver
from nubo.volume.agent.backend.iscsi import TgtTargets
from nubo.volume.agent.backup.base import BackupDriver
from nubo.volume.agent.backup.fake import FakeBackupDriver
from nubo.volume.agent.backup.posix import PosixDriver
from nubo.volume.service.attachments import AttachmentService
from nubo.volume.service.backup_work import BackupWork
from nubo.volume.service.backups import BackupService
from nubo.volume.service.encryption import EncryptionService
from nubo.volume.service.groups import GroupService
from nubo.volume.service.images import ImageCatalog, ImageTransfer
from nubo.volume.service.legacy_attach import LegacyAttach
from nubo.volume.service.messages import MessageService
from nubo.volume.service.qos import QosService
from nubo.volume.service.quotas import QuotaService
from nubo.volume.service.snapshots import SnapshotService
from nubo.volume.service.transfers import TransferService
from nubo.volume.service.types import TypeService
from nubo.volume.service.volumes import VolumeService
from nubo.volume.service.work import Worker

LOG = logging.getLogger("nubo.volume")


def build_driver(kind: str, data_dir: Path, capacity_gb: int,
                 target_ip: str | None = None, target_port: int = 3260) -> VolumeDriver:
    """`target_ip`: where the iSCSI targets of the `file` driver listen (None: no iSCSI)."""
    if kind == "fake":
        return FakeDriver(capacity_gb)
    targets = None if target_ip is None else TgtTargets(data_dir / "volumes" / "targets",
                                                        target_ip, target_port)
    return FileDriver(data_dir / "volumes", capacity_gb, targets=targets)


def build_backup_driver(kind: str, root: Path, chunk_mb: int = 32) -> BackupDriver:
    if kind == "fake":
        return FakeBackupDriver()
    return PosixDriver(root, chunk_mb)


@dataclass(frozen=True)
class BlockStorage:
    """The block storage services, built together (they share the worker and quotas)."""

    host: str
    driver: VolumeDriver
    worker: Worker
    types: TypeService
    quotas: QuotaService
    volumes: VolumeService
    snapshots: SnapshotService
    attachments: AttachmentService
    legacy: LegacyAttach
    messages: MessageService
    backups: BackupService
    transfers: TransferService
    qos: QosService
    encryption: EncryptionService
    groups: GroupService

    @classmethod
    def build(cls, db: Database, driver: VolumeDriver, images: ImageCatalog | None = None,
              transfer: ImageTransfer | None = None, scratch: Path | None = None, *,
              backup_driver: BackupDriver | None = None,
              work_dir: Path | None = None) -> BlockStorage:
        """`images`: the image service's records; `transfer`: image bytes over the image
        API; `scratch`: where image data passes through (None/None: no volumes from or to
        images, as in tests of the tables alone); `work_dir`: where a backup's and a
        restore's raw files are written meanwhile."""
        # Cinder's volume host name: host@backend#pool
        host = f"{socket.gethostname()}@{driver.name}#{driver.name}"
        worker = Worker(db, driver, transfer,
                        scratch or Path(tempfile.gettempdir()) / "nubo-volume")
        types, quotas = TypeService(db), QuotaService(db)
        attachments = AttachmentService(db, driver)
        store = backup_driver or FakeBackupDriver()
        work = BackupWork(db, worker, driver, store, worker.messages,
                          work_dir or Path("/tmp") / "nubo-backup-work")
        volumes = VolumeService(db, types, quotas, worker, host, images)
        snapshots = SnapshotService(db, quotas, worker)
        return cls(host, driver, worker, types, quotas, volumes, snapshots, attachments,
                   LegacyAttach(attachments), worker.messages,
                   BackupService(db, quotas, types, work), TransferService(db, quotas),
                   QosService(db, types), EncryptionService(db, types),
                   GroupService(db, types, quotas, volumes, snapshots, worker))

    async def start(self) -> None:
        if isinstance(self.driver, FileDriver) and self.driver.targets is not None:
            try:        # tgtd restarted (or the host): serve the recorded targets again
                await asyncio.to_thread(self.driver.targets.restore)
            except BackendError as exc:
                LOG.warning("iSCSI targets not restored: %s", exc.message)
        await self.types.ensure_default()
        await self.worker.resume()
        await self.backups.work.resume()
        await self.messages.expire()
