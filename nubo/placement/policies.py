"""Default policy of the placement API, as Placement's: everything is for admins (services
call placement in-process, not through this API)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "role:admin"

ACTIONS = (
    "placement:resource_providers:list", "placement:resource_providers:create",
    "placement:resource_providers:show", "placement:resource_providers:update",
    "placement:resource_providers:delete",
    "placement:resource_providers:inventories:list",
    "placement:resource_providers:inventories:create",
    "placement:resource_providers:inventories:show",
    "placement:resource_providers:inventories:update",
    "placement:resource_providers:inventories:delete",
    "placement:resource_providers:aggregates:list",
    "placement:resource_providers:aggregates:update",
    "placement:resource_providers:usages",
    "placement:resource_providers:traits:list",
    "placement:resource_providers:traits:update",
    "placement:resource_providers:traits:delete",
    "placement:resource_providers:allocations:list",
    "placement:resource_classes:list", "placement:resource_classes:create",
    "placement:resource_classes:show", "placement:resource_classes:update",
    "placement:resource_classes:delete",
    "placement:traits:list", "placement:traits:show", "placement:traits:update",
    "placement:traits:delete",
    "placement:allocations:list", "placement:allocations:manage",
    "placement:allocations:update", "placement:allocations:delete",
    "placement:usages",
    "placement:allocation_candidates:list",
    "placement:reshaper:reshape",
)

RULES = [RuleDefault("placement:admin_api", ADMIN),
         *(RuleDefault(action, "rule:placement:admin_api") for action in ACTIONS)]
