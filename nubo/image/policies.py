"""Default policy of the image API, after Glance's secure-RBAC defaults. Who can see which
image (visibility, membership) is decided by the service; these rules decide what a role may
do at all."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

from nubo.image.metadefs.policies import RULES as METADEF_RULES

ADMIN = "role:admin"
MEMBER = "role:admin or (role:member and project_id:%(project_id)s)"
READER = "role:admin or role:reader"

RULES = [RuleDefault(name, check) for name, check in (
    ("admin_required", ADMIN),
    ("image:add_image", MEMBER),
    ("image:get_image", READER),
    ("image:get_images", READER),
    ("image:modify_image", MEMBER),
    ("image:delete_image", MEMBER),
    ("image:publicize_image", ADMIN),
    ("image:communitize_image", MEMBER),
    ("image:upload_image", MEMBER),
    ("image:download_image", READER),
    ("image:deactivate", MEMBER),
    ("image:reactivate", MEMBER),
    ("image:add_member", MEMBER),
    ("image:delete_member", MEMBER),
    ("image:get_member", READER),
    ("image:get_members", READER),
    ("image:modify_member", "role:admin or (role:member and project_id:%(member_id)s)"),
    ("image:import", MEMBER),
    ("tasks_api_access", ADMIN),      # Glance: the deprecated tasks API, admin only
)]
RULES += METADEF_RULES
