"""User messages (Cinder's messages API, 3.3): why an asynchronous operation failed, in
words a project's user can act on, kept for `MESSAGE_TTL` seconds.

The event id names the resource, the action and the detail, as Cinder's message_field:
`VOLUME_<resource>_<action>_<detail>`, e.g. VOLUME_VOLUME_001_003 (schedule allocate volume:
no backend available). Anything that fails after a 202 calls `MessageService.record`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum, StrEnum

from sqlalchemy import delete, select

from nubo.core.db import Database, utcnow
from nubo.volume.backup_errors import MessageNotFound
from nubo.volume.models import VolumeMessage
from nubo.volume.service.listing import Page, paginate

#: Cinder's message_ttl (30 days)
MESSAGE_TTL = 2592000


class Resource(StrEnum):
    VOLUME = "VOLUME"
    VOLUME_SNAPSHOT = "VOLUME_SNAPSHOT"
    VOLUME_BACKUP = "VOLUME_BACKUP"


class Action(tuple[str, str], Enum):
    """(id, words) as Cinder's message_field.Action."""

    SCHEDULE_ALLOCATE_VOLUME = ("001", "schedule allocate volume")
    ATTACH_VOLUME = ("002", "attach volume")
    COPY_VOLUME_TO_IMAGE = ("003", "copy volume to image")
    UPDATE_ATTACHMENT = ("004", "update attachment")
    COPY_IMAGE_TO_VOLUME = ("005", "copy image to volume")
    EXTEND_VOLUME = ("007", "extend volume")
    CREATE_VOLUME_FROM_BACKEND = ("008", "create volume from backend storage")
    SNAPSHOT_CREATE = ("009", "create snapshot")
    SNAPSHOT_DELETE = ("010", "delete snapshot")
    BACKUP_CREATE = ("013", "create backup")
    BACKUP_DELETE = ("014", "delete backup")
    BACKUP_RESTORE = ("015", "restore backup")
    REIMAGE_VOLUME = ("016", "reimage volume")


class Detail(tuple[str, str], Enum):
    """(id, words) as Cinder's message_field.Detail."""

    UNKNOWN_ERROR = ("001", "An unknown error occurred.")
    NO_BACKEND_AVAILABLE = ("003", "Could not find any available weighted backend.")
    FAILED_TO_UPLOAD_VOLUME = ("004", "Failed to upload volume to image at backend.")
    QUOTA_EXCEED = ("006", "Not enough quota resource for operation.")
    NOT_ENOUGH_SPACE_FOR_IMAGE = ("007", "Image used for creating volume exceeds available "
                                         "space.")
    DRIVER_FAILED_EXTEND = ("010", "Volume Driver failed to extend volume.")
    DRIVER_FAILED_CREATE = ("012", "Driver failed to create the volume.")
    SNAPSHOT_CREATE_ERROR = ("013", "Snapshot failed to create.")
    SNAPSHOT_DELETE_ERROR = ("016", "Snapshot failed to delete.")
    BACKUP_CREATE_DEVICE_ERROR = ("019", "Failed to get backup device from the volume "
                                         "service.")
    BACKUP_CREATE_DRIVER_ERROR = ("020", "Backup driver failed to create backup.")
    ATTACH_ERROR = ("021", "Failed to attach volume.")
    DETACH_ERROR = ("022", "Failed to detach volume.")
    BACKUP_DELETE_DRIVER_ERROR = ("025", "Backup driver failed to delete backup.")
    BACKUP_RESTORE_ERROR = ("026", "Backup driver failed to restore backup.")
    VOLUME_INVALID_STATE = ("027", "Volume status is invalid.")
    IMAGE_FORMAT_UNACCEPTABLE = ("029", "The image disk format must be the same as the "
                                        "volume format for the volume type you are "
                                        "requesting.")


@dataclass(frozen=True)
class Message:
    row: VolumeMessage

    @property
    def user_message(self) -> str:
        return user_message(self.row.action_id, self.row.detail_id)


def user_message(action_id: str, detail_id: str) -> str:
    action = next((a.value[1] for a in Action if a.value[0] == action_id), "unknown action")
    detail = next((d.value[1] for d in Detail if d.value[0] == detail_id),
                  Detail.UNKNOWN_ERROR.value[1])
    return f"{action}: {detail}"


@dataclass(frozen=True)
class MessageFilter:
    project_id: str | None
    event_id: str | None = None
    resource_type: str | None = None
    resource_uuid: str | None = None
    message_level: str | None = None
    request_id: str | None = None


class MessageService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, project_id: str, resource: Resource, resource_uuid: str | None,
                     action: Action, detail: Detail = Detail.UNKNOWN_ERROR,
                     request_id: str | None = None) -> str:
        """Keep a user message for the project (an error: Cinder records no other level).
        Returns its id."""
        now = utcnow()
        row = VolumeMessage(
            id=str(uuid.uuid4()), project_id=project_id,
            request_id=request_id or f"req-{uuid.uuid4()}", resource_type=resource.value,
            resource_uuid=resource_uuid,
            event_id=f"VOLUME_{resource.value}_{action.value[0]}_{detail.value[0]}",
            message_level="ERROR", action_id=action.value[0], detail_id=detail.value[0],
            created_at=now, expires_at=now + timedelta(seconds=MESSAGE_TTL))
        async with self.db.write() as s:
            s.add(row)
        return row.id

    async def get(self, message_id: str, project_id: str | None) -> Message:
        async with self.db.read() as s:
            row = await s.get(VolumeMessage, message_id)
        if row is None or (project_id is not None and row.project_id != project_id) or \
                row.expires_at <= utcnow():
            raise MessageNotFound(message_id=message_id)
        return Message(row)

    async def list_(self, f: MessageFilter, page: Page) -> list[Message]:
        async with self.db.read() as s:
            q = select(VolumeMessage).where(VolumeMessage.expires_at > utcnow())
            if f.project_id is not None:
                q = q.where(VolumeMessage.project_id == f.project_id)
            for col, value in ((VolumeMessage.event_id, f.event_id),
                               (VolumeMessage.resource_type, f.resource_type),
                               (VolumeMessage.resource_uuid, f.resource_uuid),
                               (VolumeMessage.message_level, f.message_level),
                               (VolumeMessage.request_id, f.request_id)):
                if value is not None:
                    q = q.where(col == value)
            rows = list((await s.execute(q)).scalars())
        return [Message(r) for r in paginate(rows, page)]

    async def delete(self, message_id: str, project_id: str | None) -> None:
        await self.get(message_id, project_id)
        async with self.db.write() as s:
            await s.execute(delete(VolumeMessage).where(VolumeMessage.id == message_id))

    async def expire(self) -> int:
        """Remove the messages past their guaranteed_until; how many."""
        async with self.db.write() as s:
            done = await s.execute(delete(VolumeMessage).where(
                VolumeMessage.expires_at <= utcnow()))
        return int(getattr(done, "rowcount", 0) or 0)
