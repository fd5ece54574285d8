"""The JSON shape of security groups and rules, as Neutron renders them."""

from __future__ import annotations

from typing import Any

from nubo.network.api.attrs import standard
from nubo.network.models_secgroups import SecurityGroup, SecurityGroupRule
from nubo.network.service.secgroup_rules import normalized_cidr


def rule(r: SecurityGroupRule, default_group: bool | None = None,
         tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": r.id, "project_id": r.project_id, "tenant_id": r.project_id,
        "security_group_id": r.security_group_id, "ethertype": r.ethertype,
        "direction": r.direction, "protocol": r.protocol,
        "port_range_min": r.port_range_min, "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix,
        "normalized_cidr": normalized_cidr(r.remote_ip_prefix),
        "remote_group_id": r.remote_group_id,
        "belongs_to_default_sg": default_group,
        **standard(r, tags or [])}


def group(sg: SecurityGroup, rules: list[SecurityGroupRule], tags: list[str],
          is_default: bool) -> dict[str, Any]:
    return {
        "id": sg.id, "name": sg.name, "project_id": sg.project_id, "tenant_id": sg.project_id,
        "stateful": sg.stateful, "shared": False,
        "security_group_rules": [rule(r, is_default) for r in rules],
        **standard(sg, tags)}
