"""Keystone's faults (keystone.exception) as typed errors.

Each class has a stable `code` (its keystone.exception name unless it sets one) and a message
`template` filled from keyword arguments, as Keystone's `message_format % kwargs`. The service
raises them; `core/faults.py` renders every one as `{"error": {code, title, message}}` in one
place. The HTTP status and title come from the core class each one extends.
"""

from __future__ import annotations

from nubo.core import errors


class KeystoneError(errors.TemplatedError):
    """A Keystone fault: `template` formatted with the keyword arguments given."""


# ------------------------------------------------------------------------------ 400

class ValidationError(KeystoneError, errors.BadRequest):
    """keystone.exception.ValidationError: the request is malformed."""

    template = ("Expecting to find {attribute} in {target}. The server could not comply with "
                "the request since it is either malformed or otherwise incorrect. The client "
                "is assumed to be in error.")


class SchemaValidationError(ValidationError):
    template = "Invalid input for field '{field}': '{property}' is a required property."


class ValidationTimeStampError(ValidationError):
    template = "Invalid timestamp {value!r}; use ISO 8601, e.g. 2030-01-01T00:00:00Z."


class ValidationExpirationError(ValidationError):
    template = "expires_at is in the past."


class InvalidBooleanQuery(ValidationError):
    template = "Invalid value {value!r} for query parameter {name}: expected a boolean."


class IncompleteReference(ValidationError):
    """An auth request names a user, project or application credential ambiguously."""

    template = "Expected {expected}."


class InvalidSystemScope(ValidationError):
    template = "Only the system scope {{'all': true}} exists."


class InvalidSystemScopeQuery(ValidationError):
    template = "scope.system accepts only 'all'."


class EffectiveWithGroup(ValidationError):
    template = ("The effective flag cannot be combined with group.id: effective assignments "
                "are per user.")


class TrustsNotSupported(ValidationError):
    template = "Trust-scoped tokens are not supported."


class ApplicationCredentialValidationError(ValidationError):
    template = ("An application credential is made from a project-scoped token; this token "
                "has no project.")


class InvalidAccessRule(ValidationError):
    template = ("Access rule {access_rule_id} does not exist; a new access rule needs its "
                "service, method and path.")


class InvalidCredentialBlob(ValidationError):
    template = "Invalid blob in credential: {reason}."


class CredentialProjectRequired(ValidationError):
    template = "An ec2 credential requires a project_id."


class CredentialAttributeImmutable(ValidationError):
    template = "{attribute} can not be updated for credential."


class ConsumerSecretImmutable(ValidationError):
    template = "The secret of a consumer cannot be updated; create a new consumer instead."


class RegionIdMismatch(ValidationError):
    template = "Conflicting region IDs specified: URL and body differ."


class CircularRegionHierarchyError(ValidationError):
    template = "Circular reference in region hierarchy."


class ImmutableAttributeError(ValidationError):
    template = "Update of `{attribute}` is not allowed."


class InvalidProjectTag(ValidationError):
    template = "A tag is 1 to 255 characters and contains no ',' or '/'."


class ProjectTagLimitExceeded(ValidationError):
    template = "A project may have at most {limit} tags."


class ProjectAsDomainNotRoot(ValidationError):
    template = ("Only root projects are allowed to act as domains: omit domain_id and "
                "parent_id with is_domain true.")


class ParentInOtherDomain(ValidationError):
    template = "Cannot create project, the parent ({parent_id}) is in a different domain."


class RoleImpliesItself(ValidationError):
    template = "A role cannot imply itself."


# ------------------------------------------------------------------------------ 401

class Unauthorized(KeystoneError, errors.Unauthorized):
    """keystone.exception.Unauthorized: the credentials or the scope asked for do not hold."""

    template = "The request you have made requires authentication."


class AuthMethodNotSupported(Unauthorized):
    template = "Attempted to authenticate with an unsupported method."


class AccountLocked(Unauthorized):
    template = "The account is locked for user: {user_id}."


class ApplicationCredentialExpired(Unauthorized):
    template = "The application credential has expired."


class ApplicationCredentialScope(Unauthorized):
    template = "Application credentials cannot request a scope."


class NoScopeAccess(Unauthorized):
    """The user holds no role on the project or domain asked for."""

    template = "User {user_id} has no access to {scope} {target}."


class NoSystemAccess(Unauthorized):
    template = "User {user_id} has no access to the system."


class ScopeDomainNotFound(Unauthorized):
    template = "Could not find domain: {domain}."


class ScopeProjectNotFound(Unauthorized):
    template = "Could not find project: {project}."


class ScopeProjectDisabled(Unauthorized):
    template = "Project {project_id} is disabled."


# ------------------------------------------------------------------------------ 403

class ForbiddenNotSecurity(KeystoneError, errors.Forbidden):
    """keystone.exception.ForbiddenNotSecurity: a 403 whose message is safe to show."""

    template = "You are not authorized to perform the requested action."


class AccessRuleInUse(ForbiddenNotSecurity):
    template = "May not delete access rule in use"


class ApplicationCredentialLimited(ForbiddenNotSecurity):
    template = ("An application credential cannot create another one unless it is "
                "unrestricted.")


class RestrictedApplicationCredential(ForbiddenNotSecurity):
    template = "A restricted application credential cannot {action}."


class ApplicationCredentialRescope(ForbiddenNotSecurity):
    template = "Cannot rescope a token made from an application credential."


class RoleNotHeld(ForbiddenNotSecurity):
    template = "The user does not hold role {role} on the token's project."


class DomainSpecificRoleMismatch(ForbiddenNotSecurity):
    template = ("Project {project_id} must be in the same domain as the role {role_id} being "
                "assigned.")


class CredentialProjectMismatch(ForbiddenNotSecurity):
    template = "Credential project does not match the project scope of the delegated token."


class UnscopedCatalog(ForbiddenNotSecurity):
    template = "An unscoped token has no catalog; get a scoped token."


class RegionDeletionError(ForbiddenNotSecurity):
    template = "Cannot delete region {region_id}: it has child regions."


class RegisteredLimitError(ForbiddenNotSecurity):
    template = ("Unable to update or delete registered limit {id} because there are project "
                "limits associated with it.")


class NoLimitReference(ForbiddenNotSecurity):
    template = "Unable to create a limit that has no corresponding registered limit."


class InvalidLimit(ForbiddenNotSecurity):
    template = ("Invalid resource limit: The resource limit ({level}: {target_id}, "
                "resource_name: {resource_name}, resource_limit: {resource_limit}, "
                "service_id: {service_id}, region_id: {region_id}) doesn't satisfy current "
                "hierarchy model.")


class DefaultDomainDisable(ForbiddenNotSecurity):
    template = "The default domain cannot be disabled."


class DomainEnabledDelete(ForbiddenNotSecurity):
    template = "Cannot delete a domain that is enabled, please disable it first."


class ProjectHasChildren(ForbiddenNotSecurity):
    template = "Cannot delete project {project_id}: it has children; delete them first."


class ResourceUpdateForbidden(ForbiddenNotSecurity):
    template = "Role {role_id} is immutable; set options.immutable to false first."


class ResourceDeleteForbidden(ForbiddenNotSecurity):
    template = "Role {role_id} is immutable and cannot be deleted."


class InvalidImpliedRole(ForbiddenNotSecurity):
    template = "{role_id} cannot be an implied role."


class GlobalRoleImpliesDomainRole(InvalidImpliedRole):
    template = ("{role_id} cannot be an implied role: a global role cannot imply a "
                "domain-specific role.")


class InvalidDomainConfig(ForbiddenNotSecurity):
    template = "Invalid domain specific configuration: {reason}."


# ------------------------------------------------------------------------------ 404

class NotFound(KeystoneError, errors.NotFound):
    """keystone.exception.NotFound and its per-resource kin ("Could not find <kind>: <id>.")."""

    template = "Could not find {kind}: {id}."


class DomainNotFound(NotFound):
    template = "Could not find domain: {domain_id}."


class ProjectNotFound(NotFound):
    template = "Could not find project: {project_id}."


class RegionNotFound(NotFound):
    template = "Could not find region: {region_id}."


class ApplicationCredentialNotFound(NotFound):
    template = "Could not find Application Credential: {application_credential_id}."


class TokenNotFound(NotFound):
    template = "Could not find token."


class TokenInvalid(TokenNotFound):
    """A token that verified but no longer stands (revoked, its user or scope gone)."""

    template = "Could not find token: {reason}."


class RoleAssignmentNotFound(NotFound):
    template = ("Could not find role assignment with role: {role_id}, {actor}: {actor_id}, "
                "{target}: {target_id}.")


class ImpliedRoleNotFound(NotFound):
    template = "{prior_role_id} does not imply {implied_role_id}."


class ProjectTagNotFound(NotFound):
    template = "Tag {project_tag} not found for project {project_id}."


class UserNotInGroup(NotFound):
    template = "Could not find user, {user_id}, in group, {group_id}."


class LimitNotFound(NotFound):
    template = "Could not find limit for {id}."


class RegisteredLimitNotFound(NotFound):
    template = "Could not find registered limit for {id}."


class AccessRuleNotFound(NotFound):
    template = "Could not find Access Rule: {access_rule_id}."


class ProjectEndpointNotFound(NotFound):
    template = "Endpoint {endpoint_id} not found in project {project_id}"


class EndpointGroupProjectNotFound(NotFound):
    template = "Endpoint Group Project Association not found"


class DomainConfigNotFound(NotFound):
    template = "Could not find {what} in domain configuration for domain {domain_id}."


# ------------------------------------------------------------------------------ 409

class Conflict(KeystoneError, errors.Conflict):
    template = "Conflict occurred attempting to store {type} - {details}."
