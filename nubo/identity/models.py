"""Identity tables. Ids are 32-hex uuids as Keystone makes them, except the `default` domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow

ID = String(64)
NAME = String(255)
#: Keystone's sentinel for "no domain" in role uniqueness (NULLs never collide in SQL).
NULL_DOMAIN = "<<null>>"


class Domain(Base):
    __tablename__ = "identity_domain"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Project(Base):
    __tablename__ = "identity_project"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    domain_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_domain.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ID, ForeignKey("identity_project.id"),
                                                  index=True)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProjectTag(Base):
    __tablename__ = "identity_project_tag"
    project_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_project.id",
                                                           ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)


class User(Base):
    __tablename__ = "identity_user"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    domain_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_domain.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    default_project_id: Mapped[str | None] = mapped_column(ID)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_created_at: Mapped[datetime | None] = mapped_column(Timestamp)
    password_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    failed_auth_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_auth_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_active_at: Mapped[datetime | None] = mapped_column(Timestamp)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Group(Base):
    __tablename__ = "identity_group"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    domain_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_domain.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GroupMembership(Base):
    __tablename__ = "identity_group_membership"
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_group.id",
                                                         ondelete="CASCADE"), primary_key=True)


class Role(Base):
    __tablename__ = "identity_role"
    __table_args__ = (UniqueConstraint("name", "domain_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    domain_id: Mapped[str] = mapped_column(ID, default=NULL_DOMAIN)
    description: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImpliedRole(Base):
    __tablename__ = "identity_implied_role"
    prior_role_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_role.id",
                                                              ondelete="CASCADE"),
                                               primary_key=True)
    implied_role_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_role.id",
                                                                ondelete="CASCADE"),
                                                 primary_key=True)


class Assignment(Base):
    """A role on a target. type: UserProject, GroupProject, UserDomain, GroupDomain,
    UserSystem, GroupSystem (target_id "system" for the latter two)."""

    __tablename__ = "identity_assignment"
    __table_args__ = (Index("ix_identity_assignment_actor", "actor_id"),
                      Index("ix_identity_assignment_target", "target_id"))
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    actor_id: Mapped[str] = mapped_column(ID, primary_key=True)
    target_id: Mapped[str] = mapped_column(ID, primary_key=True)
    role_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_role.id", ondelete="CASCADE"),
                                         primary_key=True)
    inherited: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=False)


class ApplicationCredential(Base):
    __tablename__ = "identity_application_credential"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_user.id", ondelete="CASCADE"),
                                         index=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    unrestricted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: [{"id": ..., "name": ...}] - the roles the credential delegates, fixed at creation.
    roles: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Region(Base):
    __tablename__ = "identity_region"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    parent_region_id: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Service(Base):
    __tablename__ = "identity_service"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Endpoint(Base):
    __tablename__ = "identity_endpoint"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_service.id",
                                                           ondelete="CASCADE"), index=True)
    interface: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RevocationEvent(Base):
    """Tokens matching every non-null field and issued before `issued_before` are invalid."""

    __tablename__ = "identity_revocation_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(ID)
    project_id: Mapped[str | None] = mapped_column(ID)
    domain_id: Mapped[str | None] = mapped_column(ID)
    audit_id: Mapped[str | None] = mapped_column(String(64))
    application_credential_id: Mapped[str | None] = mapped_column(ID)
    issued_before: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)


class Credential(Base):
    """A user's secret for another authentication scheme (EC2 keys, TOTP seeds, ...). The blob
    is encrypted at rest with the credential keys (`nubo.identity.crypt`)."""

    __tablename__ = "identity_credential"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_user.id", ondelete="CASCADE"),
                                         index=True)
    project_id: Mapped[str | None] = mapped_column(ID, index=True)
    type: Mapped[str] = mapped_column(String(255))
    encrypted_blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Policy(Base):
    """An opaque policy document stored for clients (Keystone's /v3/policies); Nubo never
    enforces it."""

    __tablename__ = "identity_policy"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EndpointGroup(Base):
    """OS-EP-FILTER: a named filter over endpoints (service_id, region_id, interface)."""

    __tablename__ = "identity_endpoint_group"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OAuthConsumer(Base):
    """OS-OAUTH1: a registered consumer. The secret is encrypted, not hashed: OAuth 1.0a
    signatures (HMAC-SHA1) need it in clear on the server side."""

    __tablename__ = "identity_oauth_consumer"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    encrypted_secret: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessRule(Base):
    """An application credential access rule: one service type, method and path pattern a
    credential's tokens may call. Owned by the user and shared between their credentials, as
    Keystone keeps them (an identical rule is reused; a rule in use cannot be deleted)."""

    __tablename__ = "identity_access_rule"
    __table_args__ = (UniqueConstraint("user_id", "service", "path", "method"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_user.id", ondelete="CASCADE"),
                                         index=True)
    service: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(16))


class AppCredAccessRule(Base):
    __tablename__ = "identity_app_cred_access_rule"
    application_credential_id: Mapped[str] = mapped_column(
        ID, ForeignKey("identity_application_credential.id", ondelete="CASCADE"),
        primary_key=True)
    access_rule_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_access_rule.id"),
                                                primary_key=True, index=True)


class ProjectEndpoint(Base):
    """OS-EP-FILTER: an endpoint associated with a project directly."""

    __tablename__ = "identity_project_endpoint"
    endpoint_id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)


class ProjectEndpointGroup(Base):
    """OS-EP-FILTER: an endpoint group associated with a project."""

    __tablename__ = "identity_project_endpoint_group"
    endpoint_group_id: Mapped[str] = mapped_column(
        ID, ForeignKey("identity_endpoint_group.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)


class RegisteredLimit(Base):
    """Unified limits: the default limit of a resource of a service (in a region)."""

    __tablename__ = "identity_registered_limit"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ID, index=True)
    region_id: Mapped[str | None] = mapped_column(String(255))
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class Limit(Base):
    """Unified limits: a project's (or a domain's) own limit of a registered resource."""

    __tablename__ = "identity_limit"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str | None] = mapped_column(ID, index=True)
    domain_id: Mapped[str | None] = mapped_column(ID, index=True)
    #: the registered limit it overrides (which cannot change or go while it exists); the
    #: service, region and resource are the registered limit's, kept here to filter on
    registered_limit_id: Mapped[str] = mapped_column(ID, ForeignKey(
        "identity_registered_limit.id"), index=True)
    service_id: Mapped[str] = mapped_column(ID, index=True)
    region_id: Mapped[str | None] = mapped_column(String(255))
    resource_name: Mapped[str] = mapped_column(String(255))
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class DomainConfig(Base):
    """One option of a domain's configuration (Keystone's whitelisted_config and
    sensitive_config tables): stored and served as Keystone does, used by nothing, as in a
    Keystone whose domain_specific_drivers_enabled is false."""

    __tablename__ = "identity_domain_config"
    domain_id: Mapped[str] = mapped_column(ID, ForeignKey("identity_domain.id",
                                                          ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(String(255), primary_key=True)
    option: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
