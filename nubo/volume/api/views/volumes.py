"""Volumes as Cinder shows them (`cinder/api/v3/views/volumes.py`)."""

from __future__ import annotations

from typing import Any

from nubo.core.microversion import APIVersion
from nubo.volume.api.views.common import links, ts
from nubo.volume.models import VolumeAttachment
from nubo.volume.service.attachments import is_multiattach
from nubo.volume.service.volumes import VolumeRecord


def summary(base: str, rec: VolumeRecord) -> dict[str, Any]:
    v = rec.volume
    return {"id": v.id, "name": v.name, "links": links(base, v.project_id, "volumes", v.id)}


def detail(base: str, rec: VolumeRecord, ver: APIVersion, admin: bool,
           extended: bool = True) -> dict[str, Any]:
    """`extended`: with the attributes Cinder's extensions add to show and detail lists
    (the project; for admins the host and migration state), not to create and update."""
    v, t = rec.volume, rec.volume_type
    out: dict[str, Any] = {
        "id": v.id, "name": v.name, "description": v.description, "size": v.size,
        "status": v.status, "availability_zone": v.availability_zone,
        "created_at": ts(v.created_at), "updated_at": ts(v.updated_at),
        "attachments": [attachment_brief(x, v.id) for x in rec.attachments
                        if x.attach_status == "attached"],
        "bootable": "true" if v.bootable else "false", "encrypted": False,
        "multiattach": is_multiattach(t),
        "metadata": visible_metadata(rec), "snapshot_id": v.snapshot_id,
        "source_volid": v.source_volid, "volume_type": t.name, "user_id": v.user_id,
        "consistencygroup_id": None, "replication_status": None,
        "links": links(base, v.project_id, "volumes", v.id),
    }
    if extended:
        out["os-vol-tenant-attr:tenant_id"] = v.project_id
        if v.image_metadata:
            out["volume_image_metadata"] = dict(v.image_metadata)
    if extended and admin:
        out.update({"os-vol-host-attr:host": v.host, "os-vol-mig-status-attr:migstat": None,
                    "os-vol-mig-status-attr:name_id": None, "migration_status": None})
    if ver.matches("3.13"):
        out["group_id"] = v.group_id
    if ver.matches("3.21"):
        out["provider_id"] = None
    if ver.matches("3.48"):
        out["service_uuid"] = None
        out["shared_targets"] = False
    if ver.matches("3.61") and admin:
        out["cluster_name"] = None
    if ver.matches("3.63"):
        out["volume_type_id"] = t.id
    if ver.matches("3.64"):
        out["encryption_key_id"] = None
    if ver.matches("3.65"):
        out["consumes_quota"] = True
    return out


def visible_metadata(rec: VolumeRecord) -> dict[str, str]:
    """The user's metadata with the admin metadata Cinder shows in it (its
    add_visible_admin_metadata: `readonly`, and `attached_mode` while attached)."""
    out = dict(rec.volume.metadata_)
    admin = rec.volume.admin_metadata or {}
    if "readonly" in admin:
        out["readonly"] = admin["readonly"]
    modes = {a.attach_mode for a in rec.attachments if a.attach_status == "attached"}
    if modes:
        out["attached_mode"] = "rw" if "rw" in modes else "ro"
    return out


def upload(rec: VolumeRecord, image_id: str, name: str, disk_format: str,
           container_format: str, visibility: str, protected: bool) -> dict[str, Any]:
    """os-volume_upload_image's answer (Cinder's volume_actions view)."""
    v, t = rec.volume, rec.volume_type
    return {"id": v.id, "updated_at": ts(v.updated_at), "status": v.status,
            "display_description": v.description, "size": v.size,
            "volume_type": {"id": t.id, "name": t.name, "description": t.description,
                            "is_public": t.is_public, "extra_specs": dict(t.extra_specs),
                            "created_at": ts(t.created_at), "updated_at": None,
                            "deleted": False, "deleted_at": None,
                            "qos_specs_id": None},
            "image_id": image_id, "container_format": container_format,
            "disk_format": disk_format, "image_name": name, "protected": protected,
            "visibility": visibility}


def attachment_brief(a: VolumeAttachment, volume_id: str) -> dict[str, Any]:
    """One entry of a volume's `attachments` (Cinder's volume view)."""
    return {"id": volume_id, "attachment_id": a.id, "volume_id": volume_id,
            "server_id": a.instance_uuid, "host_name": a.attached_host,
            "device": a.mountpoint, "attached_at": ts(a.attached_at)}
