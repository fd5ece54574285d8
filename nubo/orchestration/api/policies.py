"""Default policy of the orchestration API, with Heat's rule names: a project's members
manage their project's stacks, readers read them, admins see every project's."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "role:admin"
MEMBER = "role:member and project_id:%(project_id)s"
READER = "role:reader and project_id:%(project_id)s"

_WRITE = ("stacks:create", "stacks:update", "stacks:update_patch", "stacks:delete",
          "stacks:preview", "stacks:preview_update", "stacks:preview_update_patch",
          "stacks:validate_template", "stacks:abandon", "stacks:snapshot", "actions:action")
_READ = ("stacks:index", "stacks:detail", "stacks:show", "stacks:lookup", "stacks:template",
         "stacks:environment", "stacks:files", "stacks:list_outputs", "stacks:show_output",
         "resource:index", "resource:show", "resource:metadata", "events:index",
         "events:show", "resource_types:list", "resource_types:show",
         "template_versions:index", "template_versions:functions", "build_info:build_info")

RULES = [
    RuleDefault("context_is_admin", ADMIN),
    RuleDefault("stacks:global_index", ADMIN),
    RuleDefault("service:index", ADMIN),
    *[RuleDefault(n, f"{ADMIN} or ({MEMBER})") for n in _WRITE],
    *[RuleDefault(n, f"{ADMIN} or ({MEMBER}) or ({READER})") for n in _READ],
]
