"""Render quota sets, quota classes and limits as Nova does: 2.36 drops the network
resources (Neutron's now), 2.39 maxImageMeta, 2.50 shows server groups in quota classes,
2.57 drops the injected files (personality is gone)."""

from __future__ import annotations

from typing import Any

from nubo.compute.api.versions import MIN
from nubo.compute.service.quotas import NOT_SHOWN_IN_USE, RESOURCES, Usage
from nubo.core.microversion import APIVersion

NETWORK_RESOURCES = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups",
                     "networks")
FILE_RESOURCES = ("injected_file_content_bytes", "injected_file_path_bytes",
                  "injected_files")


def hidden(ver: APIVersion) -> tuple[str, ...]:
    """The quota resources a version no longer shows (or accepts)."""
    out: tuple[str, ...] = ()
    if ver >= APIVersion(2, 36):
        out += NETWORK_RESOURCES
    if ver >= APIVersion(2, 57):
        out += FILE_RESOURCES
    return out


def shown(ver: APIVersion) -> list[str]:
    gone = hidden(ver)
    return [r for r in RESOURCES if r not in gone]

#: not in a quota class set before 2.50
CLASS_HIDDEN = ("server_groups", "server_group_members")

LIMIT_NAMES = {
    "ram": ["maxTotalRAMSize"], "instances": ["maxTotalInstances"],
    "cores": ["maxTotalCores"], "key_pairs": ["maxTotalKeypairs"],
    "floating_ips": ["maxTotalFloatingIps"],
    "metadata_items": ["maxServerMeta", "maxImageMeta"],
    "injected_files": ["maxPersonality"],
    "injected_file_content_bytes": ["maxPersonalitySize"],
    "security_groups": ["maxSecurityGroups"],
    "security_group_rules": ["maxSecurityGroupRules"],
    "server_groups": ["maxServerGroups"], "server_group_members": ["maxServerGroupMembers"],
}
USED_NAMES = {"totalRAMUsed": "ram", "totalCoresUsed": "cores",
              "totalInstancesUsed": "instances", "totalFloatingIpsUsed": "floating_ips",
              "totalSecurityGroupsUsed": "security_groups",
              "totalServerGroupsUsed": "server_groups"}


def quota_set(values: dict[str, int], project_id: str | None = None,
              ver: APIVersion = MIN) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id} if project_id else {}
    body.update({r: values[r] for r in shown(ver)})
    return {"quota_set": body}


def quota_detail(usages: dict[str, Usage], project_id: str, ver: APIVersion = MIN
                 ) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id}
    for r in shown(ver):
        u = usages[r]
        body[r] = {"limit": u.limit, "reserved": 0,
                   "in_use": 0 if r in NOT_SHOWN_IN_USE else u.in_use}
    return {"quota_set": body}


def quota_class(values: dict[str, int], class_name: str | None = None,
                ver: APIVersion = MIN) -> dict[str, Any]:
    body: dict[str, Any] = {"id": class_name} if class_name else {}
    gone = () if ver >= APIVersion(2, 50) else CLASS_HIDDEN
    body.update({r: values[r] for r in shown(ver) if r not in gone})
    return {"quota_class_set": body}


def limits(usages: dict[str, Usage], ver: APIVersion = MIN) -> dict[str, Any]:
    gone = hidden(ver)
    absolute: dict[str, int] = {}
    for res, names in LIMIT_NAMES.items():
        for name in names:
            if res not in gone and not (name == "maxImageMeta" and ver >= APIVersion(2, 39)):
                absolute[name] = usages[res].limit
    for name, res in USED_NAMES.items():
        if res not in gone:
            absolute[name] = 0 if res in NOT_SHOWN_IN_USE else usages[res].in_use
    return {"limits": {"rate": [], "absolute": absolute}}
