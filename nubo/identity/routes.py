"""The identity API surface (Keystone v3), on one screen."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.identity.handlers import (
    appcreds,
    auth,
    catalog,
    credentials,
    domain_configs,
    ep_filter,
    limits,
    oauth1,
    policy_blobs,
    resources,
    roles,
    versions,
)

P, U, G, D = "{project_id}", "{user_id}", "{group_id}", "{domain_id}"
R, EG = "{role_id}", "{endpoint_group_id}"
EPF = "/v3/OS-EP-FILTER"


def _grants() -> list[Route]:
    out: list[Route] = []
    for target in (f"/v3/projects/{P}", f"/v3/domains/{D}", "/v3/system"):
        for actor in (f"users/{U}", f"groups/{G}"):
            base = f"{target}/{actor}/roles"
            out += [Route(base, "GET", roles.list_grants),
                    Route(f"{base}/{R}", "PUT", roles.put_grant),
                    Route(f"{base}/{R}", "GET", roles.check_grant),
                    Route(f"{base}/{R}", "DELETE", roles.delete_grant)]
    return out


ROUTES: list[Route] = [
    Route("/", "GET", versions.versions, auth=False),
    Route("/v3", "GET", versions.v3, auth=False),
    # tokens
    Route("/v3/auth/tokens", "POST", auth.issue, auth=False),
    Route("/v3/auth/tokens", "GET", auth.validate),
    Route("/v3/auth/tokens", "HEAD", auth.check),
    Route("/v3/auth/tokens", "DELETE", auth.revoke),
    Route("/v3/auth/catalog", "GET", auth.catalog),
    Route("/v3/auth/projects", "GET", auth.projects),
    Route("/v3/auth/domains", "GET", auth.domains),
    Route("/v3/auth/system", "GET", auth.system),
    # domains
    Route("/v3/domains", "GET", resources.list_domains),
    Route("/v3/domains", "POST", resources.create_domain),
    Route(f"/v3/domains/{D}", "GET", resources.get_domain),
    Route(f"/v3/domains/{D}", "PATCH", resources.update_domain),
    Route(f"/v3/domains/{D}", "DELETE", resources.delete_domain),
    # domain configuration (kept, used by nothing: no domain-specific drivers)
    Route("/v3/domains/config/default", "GET", domain_configs.default),
    Route("/v3/domains/config/{group}/default", "GET", domain_configs.default),
    Route("/v3/domains/config/{group}/{option}/default", "GET", domain_configs.default),
    Route(f"/v3/domains/{D}/config", "PUT", domain_configs.put),
    *[Route(f"/v3/domains/{D}/config{tail}", method, handler)
      for tail in ("", "/{group}", "/{group}/{option}")
      for method, handler in (("GET", domain_configs.get), ("PATCH", domain_configs.patch),
                              ("DELETE", domain_configs.delete))],
    # projects
    Route("/v3/projects", "GET", resources.list_projects),
    Route("/v3/projects", "POST", resources.create_project),
    Route(f"/v3/projects/{P}", "GET", resources.get_project),
    Route(f"/v3/projects/{P}", "PATCH", resources.update_project),
    Route(f"/v3/projects/{P}", "DELETE", resources.delete_project),
    Route(f"/v3/projects/{P}/tags", "GET", resources.list_project_tags),
    Route(f"/v3/projects/{P}/tags", "PUT", resources.replace_project_tags),
    Route(f"/v3/projects/{P}/tags", "DELETE", resources.clear_project_tags),
    Route(f"/v3/projects/{P}/tags/{{tag}}", "GET", resources.check_project_tag),
    Route(f"/v3/projects/{P}/tags/{{tag}}", "PUT", resources.add_project_tag),
    Route(f"/v3/projects/{P}/tags/{{tag}}", "DELETE", resources.delete_project_tag),
    # users
    Route("/v3/users", "GET", resources.list_users),
    Route("/v3/users", "POST", resources.create_user),
    Route(f"/v3/users/{U}", "GET", resources.get_user),
    Route(f"/v3/users/{U}", "PATCH", resources.update_user),
    Route(f"/v3/users/{U}", "DELETE", resources.delete_user),
    Route(f"/v3/users/{U}/password", "POST", resources.change_password, auth=False),
    Route(f"/v3/users/{U}/projects", "GET", resources.user_projects),
    Route(f"/v3/users/{U}/groups", "GET", resources.user_groups),
    Route(f"/v3/users/{U}/application_credentials", "GET", appcreds.list_),
    Route(f"/v3/users/{U}/application_credentials", "POST", appcreds.create),
    Route(f"/v3/users/{U}/application_credentials/{{cred_id}}", "GET", appcreds.get),
    Route(f"/v3/users/{U}/application_credentials/{{cred_id}}", "DELETE", appcreds.delete),
    Route(f"/v3/users/{U}/access_rules", "GET", appcreds.list_access_rules),
    Route(f"/v3/users/{U}/access_rules/{{access_rule_id}}", "GET", appcreds.get_access_rule),
    Route(f"/v3/users/{U}/access_rules/{{access_rule_id}}", "DELETE",
          appcreds.delete_access_rule),
    # groups
    Route("/v3/groups", "GET", resources.list_groups),
    Route("/v3/groups", "POST", resources.create_group),
    Route(f"/v3/groups/{G}", "GET", resources.get_group),
    Route(f"/v3/groups/{G}", "PATCH", resources.update_group),
    Route(f"/v3/groups/{G}", "DELETE", resources.delete_group),
    Route(f"/v3/groups/{G}/users", "GET", resources.group_users),
    Route(f"/v3/groups/{G}/users/{U}", "PUT", resources.add_member),
    Route(f"/v3/groups/{G}/users/{U}", "GET", resources.check_member),
    Route(f"/v3/groups/{G}/users/{U}", "HEAD", resources.check_member),
    Route(f"/v3/groups/{G}/users/{U}", "DELETE", resources.remove_member),
    # roles
    Route("/v3/roles", "GET", roles.list_roles),
    Route("/v3/roles", "POST", roles.create_role),
    Route(f"/v3/roles/{R}", "GET", roles.get_role),
    Route(f"/v3/roles/{R}", "PATCH", roles.update_role),
    Route(f"/v3/roles/{R}", "DELETE", roles.delete_role),
    Route("/v3/roles/{prior_role_id}/implies", "GET", roles.list_implied),
    Route("/v3/roles/{prior_role_id}/implies/{implied_role_id}", "PUT", roles.create_implied),
    Route("/v3/roles/{prior_role_id}/implies/{implied_role_id}", "GET", roles.get_implied),
    Route("/v3/roles/{prior_role_id}/implies/{implied_role_id}", "HEAD", roles.check_implied),
    Route("/v3/roles/{prior_role_id}/implies/{implied_role_id}", "DELETE",
          roles.delete_implied),
    Route("/v3/role_inferences", "GET", roles.list_inference_rules),
    Route("/v3/role_assignments", "GET", roles.role_assignments),
    *_grants(),
    # catalog
    Route("/v3/regions", "GET", catalog.list_regions),
    Route("/v3/regions", "POST", catalog.create_region),
    Route("/v3/regions/{region_id}", "PUT", catalog.create_region),
    Route("/v3/regions/{region_id}", "GET", catalog.get_region),
    Route("/v3/regions/{region_id}", "PATCH", catalog.update_region),
    Route("/v3/regions/{region_id}", "DELETE", catalog.delete_region),
    Route("/v3/services", "GET", catalog.list_services),
    Route("/v3/services", "POST", catalog.create_service),
    Route("/v3/services/{service_id}", "GET", catalog.get_service),
    Route("/v3/services/{service_id}", "PATCH", catalog.update_service),
    Route("/v3/services/{service_id}", "DELETE", catalog.delete_service),
    Route("/v3/endpoints", "GET", catalog.list_endpoints),
    Route("/v3/endpoints", "POST", catalog.create_endpoint),
    Route("/v3/endpoints/{endpoint_id}", "GET", catalog.get_endpoint),
    Route("/v3/endpoints/{endpoint_id}", "PATCH", catalog.update_endpoint),
    Route("/v3/endpoints/{endpoint_id}", "DELETE", catalog.delete_endpoint),
    Route("/v3/OS-EP-FILTER/endpoint_groups", "GET", catalog.list_endpoint_groups),
    Route("/v3/OS-EP-FILTER/endpoint_groups", "POST", catalog.create_endpoint_group),
    Route(f"/v3/OS-EP-FILTER/endpoint_groups/{EG}", "GET", catalog.get_endpoint_group),
    Route(f"/v3/OS-EP-FILTER/endpoint_groups/{EG}", "PATCH", catalog.update_endpoint_group),
    Route(f"/v3/OS-EP-FILTER/endpoint_groups/{EG}", "DELETE", catalog.delete_endpoint_group),
    Route(f"{EPF}/endpoint_groups/{EG}/projects", "GET", ep_filter.list_projects_for_group),
    Route(f"{EPF}/endpoint_groups/{EG}/endpoints", "GET", ep_filter.list_endpoints_for_group),
    Route(f"{EPF}/endpoint_groups/{EG}/projects/{P}", "GET", ep_filter.get_group_in_project),
    Route(f"{EPF}/endpoint_groups/{EG}/projects/{P}", "PUT", ep_filter.add_group_to_project),
    Route(f"{EPF}/endpoint_groups/{EG}/projects/{P}", "DELETE",
          ep_filter.remove_group_from_project),
    Route(f"{EPF}/projects/{P}/endpoint_groups", "GET",
          ep_filter.list_endpoint_groups_for_project),
    Route(f"{EPF}/projects/{P}/endpoints", "GET", ep_filter.list_endpoints_for_project),
    Route(f"{EPF}/projects/{P}/endpoints/{{endpoint_id}}", "GET",
          ep_filter.check_endpoint_in_project),
    Route(f"{EPF}/projects/{P}/endpoints/{{endpoint_id}}", "HEAD",
          ep_filter.check_endpoint_in_project),
    Route(f"{EPF}/projects/{P}/endpoints/{{endpoint_id}}", "PUT",
          ep_filter.add_endpoint_to_project),
    Route(f"{EPF}/projects/{P}/endpoints/{{endpoint_id}}", "DELETE",
          ep_filter.remove_endpoint_from_project),
    Route(f"{EPF}/endpoints/{{endpoint_id}}/projects", "GET",
          ep_filter.list_projects_for_endpoint),
    # unified limits
    Route("/v3/registered_limits", "GET", limits.list_registered),
    Route("/v3/registered_limits", "POST", limits.create_registered),
    Route("/v3/registered_limits/{registered_limit_id}", "GET", limits.get_registered),
    Route("/v3/registered_limits/{registered_limit_id}", "PATCH", limits.update_registered),
    Route("/v3/registered_limits/{registered_limit_id}", "DELETE", limits.delete_registered),
    Route("/v3/limits", "GET", limits.list_limits),
    Route("/v3/limits", "POST", limits.create_limits),
    Route("/v3/limits/model", "GET", limits.model),
    Route("/v3/limits/{limit_id}", "GET", limits.get_limit),
    Route("/v3/limits/{limit_id}", "PATCH", limits.update_limit),
    Route("/v3/limits/{limit_id}", "DELETE", limits.delete_limit),
    # credentials
    Route("/v3/credentials", "GET", credentials.list_),
    Route("/v3/credentials", "POST", credentials.create),
    Route("/v3/credentials/{credential_id}", "GET", credentials.get),
    Route("/v3/credentials/{credential_id}", "PATCH", credentials.update),
    Route("/v3/credentials/{credential_id}", "DELETE", credentials.delete),
    # stored policy documents
    Route("/v3/policies", "GET", policy_blobs.list_),
    Route("/v3/policies", "POST", policy_blobs.create),
    Route("/v3/policies/{policy_id}", "GET", policy_blobs.get),
    Route("/v3/policies/{policy_id}", "PATCH", policy_blobs.update),
    Route("/v3/policies/{policy_id}", "DELETE", policy_blobs.delete),
    # OAuth 1.0a consumers (the registry only; the delegation flow is not implemented)
    Route("/v3/OS-OAUTH1/consumers", "GET", oauth1.list_consumers),
    Route("/v3/OS-OAUTH1/consumers", "POST", oauth1.create_consumer),
    Route("/v3/OS-OAUTH1/consumers/{consumer_id}", "GET", oauth1.get_consumer),
    Route("/v3/OS-OAUTH1/consumers/{consumer_id}", "PATCH", oauth1.update_consumer),
    Route("/v3/OS-OAUTH1/consumers/{consumer_id}", "DELETE", oauth1.delete_consumer),
]
