"""Default policy of the metadef API, after Glance's secure-RBAC defaults: admins write the
catalog; readers read public namespaces and their own project's.

Targets carry the namespace's owner as `project_id` and its `visibility`; rules checked
without a namespace (list, create) get the caller's own project."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:image:metadef_admin"
READER = "role:admin or (role:reader and project_id:%(project_id)s)"
READ_NAMESPACE = ("role:admin or (role:reader and (project_id:%(project_id)s or "
                  "'public':%(visibility)s))")

RULES = [RuleDefault(name, check) for name, check in (
    ("image:metadef_admin", "role:admin"),
    ("image:get_metadef_namespace", READ_NAMESPACE),
    ("image:get_metadef_namespaces", READER),
    ("image:add_metadef_namespace", ADMIN),
    ("image:modify_metadef_namespace", ADMIN),
    ("image:delete_metadef_namespace", ADMIN),
    ("image:get_metadef_object", READ_NAMESPACE),
    ("image:get_metadef_objects", READ_NAMESPACE),
    ("image:add_metadef_object", ADMIN),
    ("image:modify_metadef_object", ADMIN),
    ("image:delete_metadef_object", ADMIN),
    ("image:list_metadef_resource_types", READ_NAMESPACE),
    ("image:get_metadef_resource_type", READ_NAMESPACE),
    ("image:add_metadef_resource_type_association", ADMIN),
    ("image:remove_metadef_resource_type_association", ADMIN),
    ("image:get_metadef_property", READ_NAMESPACE),
    ("image:get_metadef_properties", READ_NAMESPACE),
    ("image:add_metadef_property", ADMIN),
    ("image:modify_metadef_property", ADMIN),
    ("image:remove_metadef_property", ADMIN),
    ("image:get_metadef_tag", READ_NAMESPACE),
    ("image:get_metadef_tags", READ_NAMESPACE),
    ("image:add_metadef_tag", ADMIN),
    ("image:add_metadef_tags", ADMIN),
    ("image:modify_metadef_tag", ADMIN),
    ("image:delete_metadef_tag", ADMIN),
    ("image:delete_metadef_tags", ADMIN),
)]
