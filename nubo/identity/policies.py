"""Default policy of the identity API, after Keystone's secure-RBAC defaults as DevStack runs
them: the admin role anywhere is cloud admin; readers and members see their own scope."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:admin_required"
SYSTEM_READER = "(role:reader and system_scope:all)"
ADMIN_OR_SYSTEM_READER = f"{ADMIN} or {SYSTEM_READER}"


def _r(name: str, check: str, doc: str = "") -> RuleDefault:
    return RuleDefault(name, check, description=doc)


RULES = [
    _r("admin_required", "role:admin or is_admin:1"),
    _r("service_role", "role:service"),
    _r("service_or_admin", "rule:admin_required or rule:service_role"),
    _r("token_subject", "user_id:%(target.token.user_id)s"),
    _r("service_admin_or_token_subject", "rule:service_or_admin or rule:token_subject"),
    # tokens and discovery
    _r("identity:validate_token", "rule:service_admin_or_token_subject"),
    _r("identity:check_token", "rule:service_admin_or_token_subject"),
    _r("identity:revoke_token", "rule:service_admin_or_token_subject"),
    _r("identity:get_auth_catalog", ""),
    _r("identity:get_auth_projects", ""),
    _r("identity:get_auth_domains", ""),
    _r("identity:get_auth_system", ""),
    # domains
    _r("identity:get_domain", f"{ADMIN_OR_SYSTEM_READER} or "
       "token.project.domain.id:%(target.domain.id)s or domain_id:%(target.domain.id)s"),
    _r("identity:list_domains", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_domain", ADMIN),
    _r("identity:update_domain", ADMIN),
    _r("identity:delete_domain", ADMIN),
    _r("identity:create_domain_config", ADMIN),
    _r("identity:get_domain_config", ADMIN_OR_SYSTEM_READER),
    _r("identity:get_security_compliance_domain_config", ""),
    _r("identity:update_domain_config", ADMIN),
    _r("identity:delete_domain_config", ADMIN),
    _r("identity:get_domain_config_default", ADMIN_OR_SYSTEM_READER),
    # projects
    _r("identity:get_project", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.project.domain_id)s) or "
       "project_id:%(target.project.id)s"),
    _r("identity:list_projects", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.domain_id)s)"),
    _r("identity:list_user_projects", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s"),
    _r("identity:create_project", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.project.domain_id)s)"),
    _r("identity:update_project", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.project.domain_id)s)"),
    _r("identity:delete_project", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.project.domain_id)s)"),
    _r("identity:list_project_tags", "rule:identity:get_project"),
    _r("identity:get_project_tag", "rule:identity:get_project"),
    _r("identity:update_project_tags", f"{ADMIN} or "
       "(role:admin and project_id:%(target.project.id)s)"),
    # users
    _r("identity:get_user", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s"),
    _r("identity:list_users", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.domain_id)s)"),
    _r("identity:create_user", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.user.domain_id)s)"),
    _r("identity:update_user", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.user.domain_id)s)"),
    _r("identity:delete_user", f"{ADMIN} or "
       "(role:manager and domain_id:%(target.user.domain_id)s)"),
    # groups
    _r("identity:get_group", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.group.domain_id)s)"),
    _r("identity:list_groups", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.domain_id)s)"),
    _r("identity:list_groups_for_user", f"{ADMIN_OR_SYSTEM_READER} or "
       "user_id:%(user_id)s"),
    _r("identity:create_group", ADMIN),
    _r("identity:update_group", ADMIN),
    _r("identity:delete_group", ADMIN),
    _r("identity:list_users_in_group", ADMIN_OR_SYSTEM_READER),
    _r("identity:check_user_in_group", ADMIN_OR_SYSTEM_READER),
    _r("identity:add_user_to_group", ADMIN),
    _r("identity:remove_user_from_group", ADMIN),
    # roles
    _r("identity:get_role", ADMIN_OR_SYSTEM_READER + " or role:manager"),
    _r("identity:list_roles", ADMIN_OR_SYSTEM_READER + " or role:manager"),
    _r("identity:create_role", ADMIN),
    _r("identity:update_role", ADMIN),
    _r("identity:delete_role", ADMIN),
    _r("identity:get_implied_role", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_implied_roles", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_role_inference_rules", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_implied_role", ADMIN),
    _r("identity:delete_implied_role", ADMIN),
    _r("identity:check_grant", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_grants", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_grant", ADMIN),
    _r("identity:revoke_grant", ADMIN),
    _r("identity:list_role_assignments", f"{ADMIN_OR_SYSTEM_READER} or "
       "(role:reader and domain_id:%(target.domain_id)s)"),
    # application credentials: the owner manages their own
    _r("identity:get_application_credential", f"{ADMIN} or user_id:%(target.user.id)s"),
    _r("identity:list_application_credentials", f"{ADMIN} or user_id:%(target.user.id)s"),
    _r("identity:create_application_credential", "user_id:%(target.user.id)s"),
    _r("identity:delete_application_credential", f"{ADMIN} or user_id:%(target.user.id)s"),
    # access rules of application credentials (Keystone: system reader/admin or the owner)
    _r("identity:get_access_rule", f"{ADMIN_OR_SYSTEM_READER} or user_id:%(target.user.id)s"),
    _r("identity:list_access_rules", f"{ADMIN_OR_SYSTEM_READER} or "
       "user_id:%(target.user.id)s"),
    _r("identity:delete_access_rule", f"{ADMIN} or user_id:%(target.user.id)s"),
    # credentials: the owner manages their own
    _r("identity:get_credential", f"{ADMIN_OR_SYSTEM_READER} or "
       "user_id:%(target.credential.user_id)s"),
    _r("identity:list_credentials", f"{ADMIN_OR_SYSTEM_READER} or "
       "user_id:%(target.credential.user_id)s"),
    _r("identity:create_credential", f"{ADMIN} or user_id:%(target.credential.user_id)s"),
    _r("identity:update_credential", f"{ADMIN} or user_id:%(target.credential.user_id)s"),
    _r("identity:delete_credential", f"{ADMIN} or user_id:%(target.credential.user_id)s"),
    # unified limits (Keystone: anyone reads registered limits and the model; limits are
    # read by admins, system readers, their domain and their project)
    _r("identity:get_registered_limit", ""),
    _r("identity:list_registered_limits", ""),
    _r("identity:create_registered_limits", ADMIN),
    _r("identity:update_registered_limit", ADMIN),
    _r("identity:delete_registered_limit", ADMIN),
    _r("identity:get_limit_model", ""),
    _r("identity:get_limit", f"{ADMIN} or {SYSTEM_READER} or "
       "(domain_id:%(target.limit.domain.id)s or "
       "domain_id:%(target.limit.project.domain_id)s) or "
       "(project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)"),
    _r("identity:list_limits", ""),
    _r("identity:create_limits", ADMIN),
    _r("identity:update_limit", ADMIN),
    _r("identity:delete_limit", ADMIN),
    # stored policy blobs
    _r("identity:get_policy", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_policies", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_policy", ADMIN),
    _r("identity:update_policy", ADMIN),
    _r("identity:delete_policy", ADMIN),
    # OS-OAUTH1 consumers
    _r("identity:get_consumer", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_consumers", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_consumer", ADMIN),
    _r("identity:update_consumer", ADMIN),
    _r("identity:delete_consumer", ADMIN),
    # catalog records
    _r("identity:get_region", ""),
    _r("identity:list_regions", ""),
    _r("identity:create_region", ADMIN),
    _r("identity:update_region", ADMIN),
    _r("identity:delete_region", ADMIN),
    _r("identity:get_service", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_services", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_service", ADMIN),
    _r("identity:update_service", ADMIN),
    _r("identity:delete_service", ADMIN),
    _r("identity:get_endpoint", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_endpoints", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_endpoint", ADMIN),
    _r("identity:update_endpoint", ADMIN),
    _r("identity:delete_endpoint", ADMIN),
    # OS-EP-FILTER endpoint groups
    _r("identity:get_endpoint_group", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_endpoint_groups", ADMIN_OR_SYSTEM_READER),
    _r("identity:create_endpoint_group", ADMIN),
    _r("identity:update_endpoint_group", ADMIN),
    _r("identity:delete_endpoint_group", ADMIN),
    _r("identity:list_projects_associated_with_endpoint_group", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_endpoints_associated_with_endpoint_group", ADMIN_OR_SYSTEM_READER),
    _r("identity:get_endpoint_group_in_project", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_endpoint_groups_for_project", ADMIN_OR_SYSTEM_READER),
    _r("identity:add_endpoint_group_to_project", ADMIN),
    _r("identity:remove_endpoint_group_from_project", ADMIN),
    # OS-EP-FILTER project-endpoint associations
    _r("identity:list_projects_for_endpoint", ADMIN_OR_SYSTEM_READER),
    _r("identity:check_endpoint_in_project", ADMIN_OR_SYSTEM_READER),
    _r("identity:list_endpoints_for_project", ADMIN_OR_SYSTEM_READER),
    _r("identity:add_endpoint_to_project", ADMIN),
    _r("identity:remove_endpoint_from_project", ADMIN),
]
