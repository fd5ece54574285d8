"""Request body schemas (JSON Schema draft 4), after Keystone's own.

Keystone lets users, projects, domains, groups, regions, services and endpoints carry extra
attributes (clients set `email` on users, for example); those are stored and echoed back.
Known attributes are strictly typed; the wrappers and every other body are closed.
"""

from __future__ import annotations

from typing import Any

ID = {"type": "string", "minLength": 1, "maxLength": 64}
NULLABLE_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 64}
NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
#: Keystone caps project and domain names (both are projects underneath) at 64 characters.
PROJECT_NAME = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"[\S]+"}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
BOOLEAN = {"type": "boolean"}
PASSWORD = {"type": ["string", "null"], "minLength": 1, "maxLength": 4096}
TAG = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[^,/]*$"}
TAGS = {"type": "array", "items": TAG, "maxItems": 80, "uniqueItems": True}
TIMESTAMP = {"type": ["string", "null"], "maxLength": 64}
_NULLABLE_BOOL = {"type": ["boolean", "null"]}


def registry(props: dict[str, Any]) -> dict[str, Any]:
    """A resource option registry's schema, as Keystone's ResourceOptionRegistry.json_schema:
    only the registered options, each nullable (null removes it)."""
    return {"type": "object", "properties": props, "additionalProperties": False}


#: keystone/identity/backends/resource_options.py: the options a user may carry.
USER_OPTIONS = registry({
    **{name: _NULLABLE_BOOL for name in (
        "ignore_change_password_upon_first_use", "ignore_password_expiry",
        "ignore_lockout_failure_attempts", "lock_password", "ignore_user_inactivity",
        "multi_factor_auth_enabled")},
    "multi_factor_auth_rules": {"type": ["array", "null"], "uniqueItems": True, "items": {
        "type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}}})
#: keystone/resource/backends/resource_options.py: projects and domains have `immutable`.
OPTIONS = registry({"immutable": _NULLABLE_BOOL})


def wrap(key: str, inner: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


def entity(props: dict[str, Any], required: list[str] | None = None, *,
           extra: bool = True, min_props: int = 0) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        s["required"] = required
    if min_props:
        s["minProperties"] = min_props
    return s


_domain = {"name": PROJECT_NAME, "description": DESCRIPTION, "enabled": BOOLEAN, "options": OPTIONS,
           "explicit_domain_id": ID, "tags": TAGS}
DOMAIN_CREATE = wrap("domain", entity(_domain, ["name"]))
DOMAIN_UPDATE = wrap("domain", entity(_domain, min_props=1))

_project = {"name": PROJECT_NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
            "domain_id": NULLABLE_ID, "parent_id": NULLABLE_ID, "is_domain": BOOLEAN,
            "tags": TAGS, "options": OPTIONS}
PROJECT_CREATE = wrap("project", entity(_project, ["name"]))
PROJECT_UPDATE = wrap("project", entity(
    {k: v for k, v in _project.items() if k not in ("domain_id", "parent_id", "is_domain")}
    | {"domain_id": NULLABLE_ID, "parent_id": NULLABLE_ID, "is_domain": BOOLEAN},
    min_props=1))
PROJECT_TAGS = {"type": "object", "properties": {"tags": TAGS}, "required": ["tags"],
                "additionalProperties": False}

_user = {"name": NAME, "description": DESCRIPTION, "enabled": BOOLEAN, "domain_id": ID,
         "default_project_id": NULLABLE_ID, "password": PASSWORD, "options": USER_OPTIONS,
         "email": {"type": ["string", "null"], "maxLength": 255}}
USER_CREATE = wrap("user", entity(_user, ["name"]))
USER_UPDATE = wrap("user", entity(_user, min_props=1))
USER_PASSWORD = wrap("user", entity(
    {"original_password": {"type": "string", "minLength": 1, "maxLength": 4096},
     "password": {"type": "string", "minLength": 1, "maxLength": 4096}},
    ["original_password", "password"], extra=False))

_group = {"name": NAME, "description": DESCRIPTION, "domain_id": ID}
GROUP_CREATE = wrap("group", entity(_group, ["name"]))
GROUP_UPDATE = wrap("group", entity(_group, min_props=1))

_role = {"name": NAME, "description": DESCRIPTION, "domain_id": NULLABLE_ID,
         "options": OPTIONS}
ROLE_CREATE = wrap("role", entity(_role, ["name"]))
ROLE_UPDATE = wrap("role", entity(_role, min_props=1))

_region = {"id": {"type": "string", "minLength": 1, "maxLength": 255},
           "description": DESCRIPTION, "parent_region_id": {"type": ["string", "null"],
                                                            "maxLength": 255}}
REGION_CREATE = wrap("region", entity(_region))
REGION_UPDATE = wrap("region", entity({k: v for k, v in _region.items() if k != "id"},
                                      min_props=1))

_service = {"type": {"type": "string", "minLength": 1, "maxLength": 255},
            "name": {"type": "string", "maxLength": 255}, "description": DESCRIPTION,
            "enabled": BOOLEAN}
SERVICE_CREATE = wrap("service", entity(_service, ["type"]))
SERVICE_UPDATE = wrap("service", entity(_service, min_props=1))

_endpoint = {"service_id": ID, "interface": {"type": "string",
                                             "enum": ["public", "internal", "admin"]},
             "region_id": {"type": ["string", "null"], "maxLength": 255},
             "region": {"type": ["string", "null"], "maxLength": 255},
             "url": {"type": "string", "minLength": 1, "maxLength": 225,
                     "pattern": r"^[a-zA-Z0-9+.-]+://.+"},
             "enabled": BOOLEAN}
ENDPOINT_CREATE = wrap("endpoint", entity(_endpoint, ["service_id", "interface", "url"]))
ENDPOINT_UPDATE = wrap("endpoint", entity(_endpoint, min_props=1))

_role_ref = {"type": "object", "properties": {"id": ID, "name": NAME},
             "minProperties": 1, "additionalProperties": False}
#: Keystone's access rule attributes (keystone/application_credential/schema.py).
ACCESS_RULE = {
    "path": {"type": "string", "minLength": 0, "maxLength": 225, "pattern": r"^/\.*"},
    "service": {"type": "string", "minLength": 1, "maxLength": 64,
                "pattern": r"^[a-zA-Z0-9-]+$"},
    "method": {"type": "string", "enum": ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]}}
APP_CRED_CREATE = wrap("application_credential", entity(
    {"name": NAME, "description": DESCRIPTION, "secret": {"type": ["string", "null"],
                                                          "minLength": 1, "maxLength": 4096},
     "expires_at": TIMESTAMP, "roles": {"type": "array", "items": _role_ref},
     "unrestricted": {"type": ["boolean", "null"]},
     "access_rules": {"type": "array", "items": {"type": "object", "properties": {
         "id": {**ID, "pattern": r"^[a-zA-Z0-9-]+$"}, **ACCESS_RULE}}}},
    ["name"], extra=False))

_credential = {"blob": {"type": "string", "minLength": 1, "maxLength": 65535},
               "project_id": NULLABLE_ID, "type": {"type": "string", "minLength": 1,
                                                   "maxLength": 255},
               "user_id": ID}
# An ec2 credential also needs a project_id; draft 4 has no if/then, the service checks it.
CREDENTIAL_CREATE = wrap("credential", entity(_credential | {"id": ID},
                                              ["blob", "type", "user_id"]))
CREDENTIAL_UPDATE = wrap("credential", entity(_credential, min_props=1))

_policy = {"blob": {"type": "string", "maxLength": 65535},
           "type": {"type": "string", "maxLength": 255}}
POLICY_CREATE = wrap("policy", entity(_policy, ["blob", "type"]))
POLICY_UPDATE = wrap("policy", entity(_policy, min_props=1))

# OS-EP-FILTER: a group filters endpoints on these attributes only (as Keystone checks).
_endpoint_group = {
    "name": NAME, "description": DESCRIPTION,
    "filters": {"type": "object", "properties": {
        "service_id": ID, "region_id": {"type": ["string", "null"], "maxLength": 255},
        "interface": {"type": "string", "enum": ["public", "internal", "admin"]}},
        "minProperties": 1, "additionalProperties": False}}
ENDPOINT_GROUP_CREATE = wrap("endpoint_group", entity(_endpoint_group, ["name", "filters"],
                                                      extra=False))
ENDPOINT_GROUP_UPDATE = wrap("endpoint_group", entity(_endpoint_group, min_props=1,
                                                      extra=False))

# OS-OAUTH1 consumers: the secret is the server's to choose and cannot be updated.
CONSUMER_CREATE = wrap("consumer", entity({"description": DESCRIPTION}))
CONSUMER_UPDATE = wrap("consumer", entity({"description": DESCRIPTION}, min_props=1))

IMPLIED_ROLE = None  # PUT /roles/{prior}/implies/{implied} has no body

# ------------------------------------------------------------------------------- auth

_user_ref = {"type": "object", "properties": {
    "id": ID, "name": NAME, "password": {"type": "string", "maxLength": 4096},
    "domain": {"type": "object", "properties": {"id": ID, "name": NAME},
               "minProperties": 1, "additionalProperties": False}},
    "additionalProperties": False}
_scope_project = {"type": "object", "properties": {
    "id": ID, "name": NAME,
    "domain": {"type": "object", "properties": {"id": ID, "name": NAME},
               "minProperties": 1, "additionalProperties": False}},
    "minProperties": 1, "additionalProperties": False}
_scope_domain = {"type": "object", "properties": {"id": ID, "name": NAME},
                 "minProperties": 1, "additionalProperties": False}
AUTH = wrap("auth", {
    "type": "object",
    "properties": {
        "identity": {
            "type": "object",
            "properties": {
                "methods": {"type": "array", "minItems": 1, "uniqueItems": True,
                            "items": {"type": "string", "maxLength": 64}},
                "password": {"type": "object", "properties": {"user": _user_ref},
                             "required": ["user"], "additionalProperties": False},
                "token": {"type": "object", "properties": {"id": {"type": "string",
                                                                  "minLength": 1,
                                                                  "maxLength": 1024}},
                          "required": ["id"], "additionalProperties": False},
                "application_credential": {"type": "object", "properties": {
                    "id": ID, "name": NAME, "secret": {"type": "string", "maxLength": 4096},
                    "user": _user_ref}, "required": ["secret"], "additionalProperties": False},
            },
            "required": ["methods"],
            "additionalProperties": True,   # other methods (totp, ...) are refused by name
        },
        "scope": {"oneOf": [
            {"type": "string", "enum": ["unscoped"]},
            {"type": "object", "properties": {"project": _scope_project,
                                              "domain": _scope_domain,
                                              "system": {"type": "object", "properties": {
                                                  "all": BOOLEAN},
                                                  "additionalProperties": False},
                                              "OS-TRUST:trust": {"type": "object"}},
             "minProperties": 1, "maxProperties": 1, "additionalProperties": False}]},
    },
    "required": ["identity"],
    "additionalProperties": False,
})
