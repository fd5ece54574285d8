"""Render quota sets, quota classes and limits as Nova does at 2.1."""

from __future__ import annotations

from typing import Any

from nubo.compute.quotas import NOT_SHOWN_IN_USE, RESOURCES, Usage

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


def quota_set(values: dict[str, int], project_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id} if project_id else {}
    body.update({r: values[r] for r in RESOURCES})
    return {"quota_set": body}


def quota_detail(usages: dict[str, Usage], project_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id}
    for r in RESOURCES:
        u = usages[r]
        body[r] = {"limit": u.limit, "reserved": 0,
                   "in_use": 0 if r in NOT_SHOWN_IN_USE else u.in_use}
    return {"quota_set": body}


def quota_class(values: dict[str, int], class_name: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": class_name} if class_name else {}
    body.update({r: values[r] for r in RESOURCES if r not in CLASS_HIDDEN})
    return {"quota_class_set": body}


def limits(usages: dict[str, Usage]) -> dict[str, Any]:
    absolute: dict[str, int] = {}
    for res, names in LIMIT_NAMES.items():
        for name in names:
            absolute[name] = usages[res].limit
    for name, res in USED_NAMES.items():
        absolute[name] = 0 if res in NOT_SHOWN_IN_USE else usages[res].in_use
    return {"limits": {"rate": [], "absolute": absolute}}
