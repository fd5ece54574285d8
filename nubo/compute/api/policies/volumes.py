"""Default policy of os-volume_attachments (Nova's secure-RBAC defaults): readers list and
show, members attach, update and detach, a swap is the admin's (it is Cinder's retype and
migrate driving it in Nova)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

_MEMBER = "rule:project_member_or_admin"
_READER = "rule:project_reader_or_admin"

VOLUME_RULES = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-volumes-attachments:index", _READER),
    ("os_compute_api:os-volumes-attachments:show", _READER),
    ("os_compute_api:os-volumes-attachments:create", _MEMBER),
    ("os_compute_api:os-volumes-attachments:update", _MEMBER),
    ("os_compute_api:os-volumes-attachments:swap", "rule:context_is_admin"),
    ("os_compute_api:os-volumes-attachments:delete", _MEMBER),
)]
