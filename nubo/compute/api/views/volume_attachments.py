"""A server's volume attachment as Nova shows it (os-volume_attachments): `id` (the volume's)
until 2.89, `tag` from 2.70, `delete_on_termination` from 2.79, `attachment_id` and
`bdm_uuid` from 2.89."""

from __future__ import annotations

from typing import Any

from nubo.compute.service.volume_attachments import VolumeAttachmentView
from nubo.core.microversion import APIVersion


def attachment(a: VolumeAttachmentView, ver: APIVersion) -> dict[str, Any]:
    out: dict[str, Any] = {"serverId": a.server_id, "volumeId": a.volume_id,
                           "device": a.device}
    if ver < APIVersion(2, 89):
        out["id"] = a.volume_id
    if ver >= APIVersion(2, 70):
        out["tag"] = a.tag
    if ver >= APIVersion(2, 79):
        out["delete_on_termination"] = a.delete_on_termination
    if ver >= APIVersion(2, 89):
        out["attachment_id"] = a.attachment_id
        out["bdm_uuid"] = a.attachment_id
    return out
