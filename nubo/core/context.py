"""The request context: who is asking, in which scope, with which roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nubo.core.access_rules import AccessRule


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    user_id: str | None = None
    user_name: str | None = None
    user_domain_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None          # set for domain-scoped tokens
    system_scope: str | None = None       # "all" for system-scoped tokens
    roles: tuple[str, ...] = ()           # role names, lower case, implied roles expanded
    role_ids: tuple[str, ...] = ()
    auth_token: str | None = None
    audit_ids: tuple[str, ...] = ()
    application_credential_id: str | None = None
    application_credential_unrestricted: bool = False
    #: The token's application credential access rules; None when it has none (no limit).
    access_rules: tuple[AccessRule, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        """Cloud admin in the OpenStack sense: the admin role in any scope (as Keystone's
        `admin_required` rule and DevStack's defaults treat it)."""
        return "admin" in self.roles

    def has_role(self, name: str) -> bool:
        return name.lower() in self.roles

    def policy_credentials(self) -> dict[str, Any]:
        """The `creds` dict oslo.policy checks match against (keystonemiddleware's names)."""
        return {
            "user_id": self.user_id,
            "user_domain_id": self.user_domain_id,
            "project_id": self.project_id,
            "project_domain_id": self.project_domain_id,
            "domain_id": self.domain_id,
            "system_scope": self.system_scope,
            "roles": list(self.roles),
            "is_admin": False,
            "is_admin_project": True,
            "application_credential_id": self.application_credential_id,
            "token": {"project": {"domain": {"id": self.project_domain_id}}},
        }


def anonymous(request_id: str) -> RequestContext:
    return RequestContext(request_id=request_id)
