"""Quota, agent and tag bodies."""

from __future__ import annotations

from nubo.network.api.schemas.types import BOOLEAN, attributes, resource, string

#: quota limits: an integer (or its digits), -1 for unlimited
_LIMIT = {"type": ["integer", "string"]}
QUOTA_RESOURCES = ("network", "subnet", "subnetpool", "port", "router", "floatingip",
                   "security_group", "security_group_rule", "rbac_policy")
QUOTA = resource("quota", attributes({
    **{r: _LIMIT for r in QUOTA_RESOURCES}, "force": BOOLEAN, "check_limit": BOOLEAN}))
AGENT = resource("agent", attributes({"admin_state_up": BOOLEAN,
                                      "description": string(nullable=True)}))
#: PUT /{collection}/{id}/tags
TAGS = {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["tags"]}
