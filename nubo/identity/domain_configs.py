"""Domain configuration (/v3/domains/{id}/config), as Keystone's DomainConfigManager keeps it.

Keystone serves this API whatever domain_specific_drivers_enabled says: the options are
validated against its whitelist (groups `identity` and `ldap`; `ldap.password` is sensitive,
stored but never shown) and stored; only a Keystone with domain-specific drivers enabled reads
them to build per-domain identity backends. Nubo keeps users in its own database and has no
such drivers, so it answers as a Keystone with them disabled: the configuration is kept and
served, and used by nothing. The defaults are keystone.conf's ([identity] driver sql, the
[ldap] option defaults)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.service import IdentityService

Config = dict[str, dict[str, Any]]

#: keystone.conf defaults of the options a domain may set (DomainConfigManager's whitelist)
DEFAULTS: Config = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": {
        "url": "ldap://localhost", "user": None, "suffix": "cn=example,cn=com",
        "query_scope": "one", "page_size": 0, "alias_dereferencing": "default",
        "debug_level": None, "chase_referrals": None, "user_tree_dn": None,
        "user_filter": None, "user_objectclass": "inetOrgPerson", "user_id_attribute": "cn",
        "user_name_attribute": "sn", "user_mail_attribute": "mail",
        "user_description_attribute": "description", "user_pass_attribute": "userPassword",
        "user_enabled_attribute": "enabled", "user_enabled_invert": False,
        "user_enabled_mask": 0, "user_enabled_default": "True",
        "user_attribute_ignore": ["default_project_id"],
        "user_default_project_id_attribute": None, "user_enabled_emulation": False,
        "user_enabled_emulation_dn": None, "user_enabled_emulation_use_group_config": False,
        "user_additional_attribute_mapping": [], "group_tree_dn": None, "group_filter": None,
        "group_objectclass": "groupOfNames", "group_id_attribute": "cn",
        "group_name_attribute": "ou", "group_members_are_ids": False,
        "group_member_attribute": "member", "group_desc_attribute": "description",
        "group_attribute_ignore": [], "group_additional_attribute_mapping": [],
        "tls_cacertfile": None, "tls_cacertdir": None, "use_tls": False,
        "tls_req_cert": "demand", "use_pool": True, "pool_size": 10, "pool_retry_max": 3,
        "pool_retry_delay": 0.1, "pool_connection_timeout": -1,
        "pool_connection_lifetime": 600, "use_auth_pool": True, "auth_pool_size": 100,
        "auth_pool_connection_lifetime": 60},
}
SENSITIVE: dict[str, tuple[str, ...]] = {"identity": (), "ldap": ("password",)}
#: [security_compliance] options any caller may read for the default domain (both unset)
COMPLIANCE_READABLE = ("password_regex", "password_regex_description")


def invalid(reason: str) -> errors.InvalidDomainConfig:
    """Keystone's InvalidDomainConfig (a Forbidden: 403)."""
    return errors.InvalidDomainConfig(reason=reason)


def not_found(domain_id: str, group: str | None, option: str | None) -> errors.DomainConfigNotFound:
    what = (f"option {option} in group {group}" if option else
            f"group {group}" if group else "any options")
    return errors.DomainConfigNotFound(what=what, domain_id=domain_id)


def check_group_option(group: str | None, option: str | None) -> None:
    if group is None:
        return
    if group not in DEFAULTS:
        raise invalid(f"Group {group} is not supported for domain specific configurations")
    if option is not None and option not in DEFAULTS[group] and \
            option not in SENSITIVE[group]:
        raise invalid(f"Option {option} in group {group} is not supported for domain "
                      "specific configurations")


def check_config(config: Any) -> Config:
    if not config or not isinstance(config, dict):
        raise invalid("No options specified")
    for group, opts in config.items():
        if not opts or not isinstance(opts, dict):
            raise invalid(f"The value of group {group} specified in the config should be a "
                          "dictionary of options")
        for option in opts:
            check_group_option(group, option)
    return config


def _shape(rows: list[m.DomainConfig], option: str | None) -> dict[str, Any]:
    if option is not None:
        return {rows[0].option: rows[0].value}
    out: Config = {}
    for r in rows:
        out.setdefault(r.group, {})[r.option] = r.value
    return out


class DomainConfigs:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity

    async def _rows(self, s: Any, domain_id: str, group: str | None = None,
                    option: str | None = None, sensitive: bool = False
                    ) -> list[m.DomainConfig]:
        q = select(m.DomainConfig).where(m.DomainConfig.domain_id == domain_id)
        if not sensitive:
            q = q.where(m.DomainConfig.sensitive.is_(False))
        if group is not None:
            q = q.where(m.DomainConfig.group == group)
        if option is not None:
            q = q.where(m.DomainConfig.option == option)
        return list((await s.execute(q.order_by(m.DomainConfig.group,
                                                m.DomainConfig.option))).scalars())

    def _add(self, s: Any, domain_id: str, config: Config) -> None:
        for group, opts in config.items():
            for option, value in opts.items():
                s.add(m.DomainConfig(domain_id=domain_id, group=group, option=option,
                                     value=value, sensitive=option in SENSITIVE[group]))

    async def get(self, domain_id: str, group: str | None = None,
                  option: str | None = None) -> dict[str, Any]:
        check_group_option(group, option)
        async with self.identity.db.read() as s:
            rows = await self._rows(s, domain_id, group, option)
        if not rows:
            raise not_found(domain_id, group, option)
        return _shape(rows, option)

    async def create(self, domain_id: str, config: Any) -> tuple[Config, bool]:
        """Replace the domain's whole configuration; also whether one existed before."""
        new = check_config(config)
        async with self.identity._write() as s:
            await self.identity._get(s, m.Domain, domain_id, "domain")
            existed = bool(await self._rows(s, domain_id, sensitive=True))
            await s.execute(delete(m.DomainConfig).where(
                m.DomainConfig.domain_id == domain_id))
            self._add(s, domain_id, new)
            await s.flush()
            return _shape(await self._rows(s, domain_id), None), existed

    async def update(self, domain_id: str, config: Any, group: str | None,
                     option: str | None) -> dict[str, Any]:
        """Merge `config` in; a group or option in the path must be the only one given and
        must already exist (DomainConfigManager.update_config)."""
        update = {group: config} if group and option and isinstance(config, dict) else config
        new = check_config(update)
        check_group_option(group, option)
        if group is not None:
            if len(new) != 1 or (option and len(new.get(group) or {}) != 1):
                raise invalid(
                    f"Trying to update option {option} in group {group}, so that, and only "
                    "that, option must be specified  in the config" if option else
                    f"Trying to update group {group}, so that, and only that, group must be "
                    "specified in the config")
            if group not in new:
                raise invalid(f"request to update group {group}, but config provided "
                              f"contains group {next(iter(new))} instead")
            if option and option not in new[group]:
                raise invalid(f"Trying to update option {option} in group {group}, but "
                              f"config provided contains option {next(iter(new[group]))} "
                              "instead")
        async with self.identity._write() as s:
            await self.identity._get(s, m.Domain, domain_id, "domain")
            if group is not None and not await self._rows(s, domain_id, group, option, True):
                raise not_found(domain_id, group, option)
            for g, opts in new.items():
                await s.execute(delete(m.DomainConfig).where(
                    m.DomainConfig.domain_id == domain_id, m.DomainConfig.group == g,
                    m.DomainConfig.option.in_(list(opts))))
            self._add(s, domain_id, new)
            await s.flush()
            rows = await self._rows(s, domain_id)
        if not rows:
            raise not_found(domain_id, None, None)
        return _shape(rows, None)

    async def delete(self, domain_id: str, group: str | None, option: str | None) -> None:
        check_group_option(group, option)
        async with self.identity._write() as s:
            await self.identity._get(s, m.Domain, domain_id, "domain")
            if group is not None:
                current = await self._rows(s, domain_id, group, None, True)
                if not current:
                    raise not_found(domain_id, group, None)
                if option and not any(r.option == option and r.value for r in current):
                    raise not_found(domain_id, group, option)
            q = delete(m.DomainConfig).where(m.DomainConfig.domain_id == domain_id)
            if group is not None:
                q = q.where(m.DomainConfig.group == group)
            if option is not None:
                q = q.where(m.DomainConfig.option == option)
            await s.execute(q)


def defaults(group: str | None = None, option: str | None = None) -> dict[str, Any]:
    """keystone.conf's values of the options a domain may set (get_config_default)."""
    check_group_option(group, option)
    if group is None:
        return {g: dict(opts) for g, opts in DEFAULTS.items()}
    if option is None:
        return {group: dict(DEFAULTS[group])}
    if option not in DEFAULTS[group]:
        raise invalid(f"Reading the default for option {option} in group {group} is not "
                      "supported")
    return {option: DEFAULTS[group][option]}


def compliance(domain_id: str, default_domain: str, option: str | None) -> dict[str, Any]:
    """GET .../config/security_compliance[/{option}]: the default domain only."""
    if domain_id != default_domain:
        raise invalid("Reading security compliance information for any domain other than "
                      "the default domain is not allowed or supported")
    if option is not None and option not in COMPLIANCE_READABLE:
        raise invalid("Reading security compliance values other than password_regex and "
                      "password_regex_description is not allowed")
    if option is not None:
        return {option: None}
    return {"security_compliance": dict.fromkeys(COMPLIANCE_READABLE)}
