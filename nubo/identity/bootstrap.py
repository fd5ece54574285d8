"""First start: what `keystone-manage bootstrap` and DevStack create, once. Every start: the
catalog's endpoints follow the URL this process serves on."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from nubo.core.db import Meta
from nubo.identity import models as m
from nubo.identity.api import IdentityApi
from nubo.identity.service import DEFAULT_DOMAIN, new_id

LOG = logging.getLogger("nubo.identity.bootstrap")
BOOTSTRAP_KEY = "identity_bootstrap"
#: Keystone's defaults since 2023.2: admin implies manager implies member implies reader.
ROLE_CHAIN = ("admin", "manager", "member", "reader")


@dataclass(frozen=True)
class Credentials:
    admin_password: str
    demo_password: str


@dataclass(frozen=True)
class CatalogEntry:
    type: str
    name: str
    path: str        # appended to the base URL


def _password() -> str:
    return secrets.token_urlsafe(18)


async def bootstrap(api: IdentityApi, admin_password: str | None) -> Credentials | None:
    """Create the defaults unless done before; the passwords when it ran, else None."""
    ident = api.identity
    async with api.identity.db.read() as s:
        if await s.get(Meta, BOOTSTRAP_KEY) is not None:
            return None
    creds = Credentials(admin_password or _password(), _password())
    if await _exists(api, m.Domain, DEFAULT_DOMAIN) is None:
        await ident.create_domain({"name": "Default", "explicit_domain_id": DEFAULT_DOMAIN,
                                   "description": "The default domain"})
    roles = {}
    for name in (*ROLE_CHAIN, "service"):
        found_roles = await ident.list_roles(name=name)
        roles[name] = found_roles[0] if found_roles else await ident.create_role({"name": name})
    for prior, implied in zip(ROLE_CHAIN, ROLE_CHAIN[1:], strict=False):
        await ident.create_implied_role(roles[prior].id, roles[implied].id)
    projects = {}
    for name, desc in (("admin", "Bootstrap project for the cloud admin"),
                       ("demo", "The demo project"), ("service", "Service users")):
        found = await ident.list_projects(name=name, domain_id=DEFAULT_DOMAIN)
        projects[name] = found[0] if found else await ident.create_project(
            {"name": name, "domain_id": DEFAULT_DOMAIN, "description": desc})
    admin = await _user(api, "admin", creds.admin_password, projects["admin"].id)
    demo = await _user(api, "demo", creds.demo_password, projects["demo"].id)
    await api.assignments.grant("user", admin.id, "project", projects["admin"].id,
                                roles["admin"].id)
    await api.assignments.grant("user", admin.id, "system", "system", roles["admin"].id)
    await api.assignments.grant("user", admin.id, "domain", DEFAULT_DOMAIN, roles["admin"].id)
    await api.assignments.grant("user", demo.id, "project", projects["demo"].id,
                                roles["member"].id)
    LOG.info("bootstrapped identity: admin and demo users, projects admin/demo/service")
    return creds


async def ensure_service_user(api: IdentityApi, name: str, password: str) -> None:
    """The service user the compute hosts call the image API with (DevStack's `nova`):
    in project `service` with the `service` and `admin` roles (image data of every project),
    its password the one given. Every start: made if missing (an older cloud has none), its
    password set again when it differs."""
    ident = api.identity
    projects = await ident.list_projects(name="service", domain_id=DEFAULT_DOMAIN)
    project = projects[0] if projects else await ident.create_project(
        {"name": "service", "domain_id": DEFAULT_DOMAIN, "description": "Service users"})
    found = await ident.list_users(name=name, domain_id=DEFAULT_DOMAIN)
    if not found:
        user = await ident.create_user({"name": name, "domain_id": DEFAULT_DOMAIN,
                                        "password": password,
                                        "default_project_id": project.id})
    else:
        user = found[0]
        if not await ident.hasher.check(password, user.password_hash):
            user = await ident.update_user(user.id, {"password": password})
    for role_name in ("service", "admin"):
        roles = await ident.list_roles(name=role_name)
        role = roles[0] if roles else await ident.create_role({"name": role_name})
        await api.assignments.grant("user", user.id, "project", project.id, role.id)


async def mark_bootstrapped(api: IdentityApi) -> None:
    """Called once the passwords are safe in clouds.yaml: a start killed before this point
    runs the bootstrap again (every step is idempotent) and writes new passwords."""
    async with api.identity.db.write() as s:
        if await s.get(Meta, BOOTSTRAP_KEY) is None:
            s.add(Meta(key=BOOTSTRAP_KEY, value={"done": True}))


async def _user(api: IdentityApi, name: str, password: str, project_id: str) -> m.User:
    found = await api.identity.list_users(name=name, domain_id=DEFAULT_DOMAIN)
    if found:   # left by a bootstrap that was cut short: its password was never shown
        return await api.identity.update_user(found[0].id, {"password": password})
    return await api.identity.create_user({"name": name, "domain_id": DEFAULT_DOMAIN,
                                           "password": password,
                                           "default_project_id": project_id})


async def _exists(api: IdentityApi, model: type, id_: str) -> object | None:
    async with api.identity.db.read() as s:
        return await s.get(model, id_)


async def sync_catalog(api: IdentityApi, entries: list[CatalogEntry], region: str) -> None:
    """Make the catalog list each running service at the URL we serve on now."""
    base = api.settings.base_url
    if await _catalog_current(api, entries, region, base):
        return      # a restart on the same URL: one read, no write
    async with api.identity._write() as s:
        if await s.get(m.Region, region) is None:
            s.add(m.Region(id=region, description="", extra={}))
        for e in entries:
            svc = (await s.execute(select(m.Service).where(m.Service.type == e.type))
                   ).scalars().first()
            if svc is None:
                svc = m.Service(id=new_id(), type=e.type, name=e.name, enabled=True, extra={})
                s.add(svc)
            eps = (await s.execute(select(m.Endpoint).where(
                m.Endpoint.service_id == svc.id))).scalars().all()
            url = base + e.path
            have = {ep.interface: ep for ep in eps if ep.region_id == region}
            for iface in ("public", "internal", "admin"):
                ep = have.get(iface)
                if ep is None:
                    s.add(m.Endpoint(id=new_id(), service_id=svc.id, interface=iface,
                                     region_id=region, url=url, enabled=True, extra={}))
                elif ep.url != url:
                    ep.url = url


async def _catalog_current(api: IdentityApi, entries: list[CatalogEntry], region: str,
                           base: str) -> bool:
    """Whether every entry's service has, in `region`, exactly its three endpoints' URL."""
    async with api.identity.db.read() as s:
        if await s.get(m.Region, region) is None:
            return False
        rows = (await s.execute(select(m.Service.id, m.Service.type, m.Endpoint.interface,
                                       m.Endpoint.url).join(
            m.Endpoint, m.Endpoint.service_id == m.Service.id).where(
            m.Endpoint.region_id == region))).all()
    urls: dict[tuple[str, str], set[str]] = {}
    services: dict[str, set[str]] = {}
    for sid, stype, iface, url in rows:
        urls.setdefault((stype, iface), set()).add(url)
        services.setdefault(stype, set()).add(sid)
    return all(urls.get((e.type, iface)) == {base + e.path} and len(services[e.type]) == 1
               for e in entries for iface in ("public", "internal", "admin"))
