"""The block storage API surface (Cinder v3), on one screen. Every path also answers with the
project id after /v3 (`/volume/v3/{project_id}/volumes`, see rewrite.py)."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.volume.api.handlers import (
    actions,
    attachments,
    backends,
    backups,
    encryption,
    extensions,
    groups,
    limits,
    messages,
    qos,
    root,
    snapshots,
    transfers,
    volume_types,
    volumes,
)

V = "/v3/volumes/{volume_id}"
S = "/v3/snapshots/{snapshot_id}"
T = "/v3/types/{type_id}"
Q = "/v3/os-quota-sets/{project_id}"
A = "/v3/attachments/{attachment_id}"
B = "/v3/backups/{backup_id}"
OT = "/v3/os-volume-transfer"
VT = "/v3/volume-transfers"
QS = "/v3/qos-specs/{qos_id}"
GT = "/v3/group_types/{group_type_id}"
G = "/v3/groups/{group_id}"
GS = "/v3/group_snapshots/{group_snapshot_id}"

ROUTES: list[Route] = [
    Route("/", "GET", root.versions, auth=False),
    Route("/v3", "GET", root.v3, auth=False),
    # volumes
    Route("/v3/volumes", "POST", volumes.create),
    Route("/v3/volumes", "GET", volumes.list_summary),
    Route("/v3/volumes/detail", "GET", volumes.list_detail),
    Route("/v3/volumes/summary", "GET", volumes.summary),
    Route(V, "GET", volumes.show),
    Route(V, "PUT", volumes.update),
    Route(V, "DELETE", volumes.delete),
    Route(f"{V}/action", "POST", actions.volume_action),
    Route(f"{V}/metadata", "GET", volumes.metadata_index),
    Route(f"{V}/metadata", "POST", volumes.metadata_create),
    Route(f"{V}/metadata", "PUT", volumes.metadata_replace),
    Route(f"{V}/metadata/{{key}}", "GET", volumes.metadata_show),
    Route(f"{V}/metadata/{{key}}", "PUT", volumes.metadata_update),
    Route(f"{V}/metadata/{{key}}", "DELETE", volumes.metadata_delete),
    # snapshots
    Route("/v3/snapshots", "POST", snapshots.create),
    Route("/v3/snapshots", "GET", snapshots.list_summary),
    Route("/v3/snapshots/detail", "GET", snapshots.list_detail),
    Route(S, "GET", snapshots.show),
    Route(S, "PUT", snapshots.update),
    Route(S, "DELETE", snapshots.delete),
    Route(f"{S}/action", "POST", actions.snapshot_action),
    Route(f"{S}/metadata", "GET", snapshots.metadata_index),
    Route(f"{S}/metadata", "POST", snapshots.metadata_create),
    Route(f"{S}/metadata", "PUT", snapshots.metadata_replace),
    Route(f"{S}/metadata/{{key}}", "GET", snapshots.metadata_show),
    Route(f"{S}/metadata/{{key}}", "PUT", snapshots.metadata_update),
    Route(f"{S}/metadata/{{key}}", "DELETE", snapshots.metadata_delete),
    # volume types
    Route("/v3/types", "GET", volume_types.list_),
    Route("/v3/types", "POST", volume_types.create),
    Route(T, "GET", volume_types.show),
    Route(T, "PUT", volume_types.update),
    Route(T, "DELETE", volume_types.delete),
    Route(f"{T}/action", "POST", volume_types.action),
    Route(f"{T}/os-volume-type-access", "GET", volume_types.access_list),
    Route(f"{T}/encryption", "GET", encryption.show),
    Route(f"{T}/encryption", "POST", encryption.create),
    # {key}: a spec's name (GET) or the encryption's id (PUT, DELETE), as Cinder's routes
    Route(f"{T}/encryption/{{key}}", "GET", encryption.show_item),
    Route(f"{T}/encryption/{{key}}", "PUT", encryption.update),
    Route(f"{T}/encryption/{{key}}", "DELETE", encryption.delete),
    Route(f"{T}/extra_specs", "GET", volume_types.specs_index),
    Route(f"{T}/extra_specs", "POST", volume_types.specs_create),
    Route(f"{T}/extra_specs/{{key}}", "GET", volume_types.specs_show),
    Route(f"{T}/extra_specs/{{key}}", "PUT", volume_types.specs_update),
    Route(f"{T}/extra_specs/{{key}}", "DELETE", volume_types.specs_delete),
    # generic volume groups: types (3.11), groups (3.13), group snapshots (3.14)
    Route("/v3/group_types", "GET", groups.type_list),
    Route("/v3/group_types", "POST", groups.type_create),
    Route(GT, "GET", groups.type_show),
    Route(GT, "PUT", groups.type_update),
    Route(GT, "DELETE", groups.type_delete),
    Route(f"{GT}/group_specs", "GET", groups.specs_index),
    Route(f"{GT}/group_specs", "POST", groups.specs_create),
    Route(f"{GT}/group_specs/{{key}}", "GET", groups.specs_show),
    Route(f"{GT}/group_specs/{{key}}", "PUT", groups.specs_update),
    Route(f"{GT}/group_specs/{{key}}", "DELETE", groups.specs_delete),
    Route("/v3/groups", "POST", groups.create),
    Route("/v3/groups", "GET", groups.list_summary),
    Route("/v3/groups/detail", "GET", groups.list_detail),
    Route("/v3/groups/action", "POST", groups.create_from_source),
    Route(G, "GET", groups.show),
    Route(G, "PUT", groups.update),
    Route(f"{G}/action", "POST", groups.action),
    Route("/v3/group_snapshots", "POST", groups.snapshot_create),
    Route("/v3/group_snapshots", "GET", groups.snapshot_list_summary),
    Route("/v3/group_snapshots/detail", "GET", groups.snapshot_list_detail),
    Route(GS, "GET", groups.snapshot_show),
    Route(GS, "DELETE", groups.snapshot_delete),
    Route(f"{GS}/action", "POST", groups.snapshot_action),
    # QoS specs (admin)
    Route("/v3/qos-specs", "POST", qos.create),
    Route("/v3/qos-specs", "GET", qos.list_),
    Route(QS, "GET", qos.show),
    Route(QS, "PUT", qos.set_keys),
    Route(QS, "DELETE", qos.delete),
    Route(f"{QS}/delete_keys", "PUT", qos.delete_keys),
    Route(f"{QS}/associations", "GET", qos.associations),
    Route(f"{QS}/associate", "GET", qos.associate),
    Route(f"{QS}/disassociate", "GET", qos.disassociate),
    Route(f"{QS}/disassociate_all", "GET", qos.disassociate_all),
    # attachments (3.27; os-complete 3.44)
    Route("/v3/attachments", "POST", attachments.create),
    Route("/v3/attachments", "GET", attachments.list_summary),
    Route("/v3/attachments/detail", "GET", attachments.list_detail),
    Route(A, "GET", attachments.show),
    Route(A, "PUT", attachments.update),
    Route(A, "DELETE", attachments.delete),
    Route(f"{A}/action", "POST", attachments.action),
    # backups
    Route("/v3/backups", "POST", backups.create),
    Route("/v3/backups", "GET", backups.list_summary),
    Route("/v3/backups/detail", "GET", backups.list_detail),
    Route("/v3/backups/import_record", "POST", backups.import_record),
    Route(B, "GET", backups.show),
    Route(B, "PUT", backups.update),
    Route(B, "DELETE", backups.delete),
    Route(f"{B}/restore", "POST", backups.restore),
    Route(f"{B}/export_record", "GET", backups.export_record),
    Route(f"{B}/action", "POST", backups.action),
    # transfers: legacy, and 3.55+ (no_snapshots)
    *(r for base in (OT, VT) for r in (
        Route(base, "POST", transfers.create),
        Route(base, "GET", transfers.list_summary),
        Route(f"{base}/detail", "GET", transfers.list_detail),
        Route(f"{base}/{{transfer_id}}", "GET", transfers.show),
        Route(f"{base}/{{transfer_id}}", "DELETE", transfers.delete),
        Route(f"{base}/{{transfer_id}}/accept", "POST", transfers.accept))),
    # user messages (3.3)
    Route("/v3/messages", "GET", messages.list_),
    Route("/v3/messages/{message_id}", "GET", messages.show),
    Route("/v3/messages/{message_id}", "DELETE", messages.delete),
    # quotas, limits, zones, services
    Route(Q, "GET", limits.quota_show),
    Route(Q, "PUT", limits.quota_update),
    Route(Q, "DELETE", limits.quota_delete),
    Route(f"{Q}/defaults", "GET", limits.quota_defaults),
    Route("/v3/os-quota-class-sets/{class_name}", "GET", limits.quota_class_show),
    Route("/v3/os-quota-class-sets/{class_name}", "PUT", limits.quota_class_update),
    Route("/v3/limits", "GET", limits.limits),
    Route("/v3/os-availability-zone", "GET", limits.availability_zones),
    Route("/v3/os-services", "GET", backends.services),
    Route("/v3/os-services/{action}", "PUT", backends.service_action),
    Route("/v3/extensions", "GET", extensions.list_),
    # backends (admin)
    Route("/v3/scheduler-stats/get_pools", "GET", backends.pools),
    Route("/v3/capabilities/{host}", "GET", backends.capabilities),
    Route("/v3/os-hosts", "GET", backends.hosts),
    Route("/v3/os-hosts/{host}", "GET", backends.host_show),
]
