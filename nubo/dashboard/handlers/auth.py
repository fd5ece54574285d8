"""Log in with Keystone (user, password, domain), log out (the tokens revoked), switch
project (the unscoped token re-scoped)."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from nubo.dashboard.app import Page
from nubo.dashboard.gateway import Reply
from nubo.dashboard.sessions import Project

TOKENS = "/identity/v3/auth/tokens"


async def login_form(p: Page) -> Response:
    if p.session.logged_in:
        return RedirectResponse("/", 303)
    return p.render("login.html", user="", domain="Default", error=None)


async def login(p: Page) -> Response:
    user, password, domain = p.field("user"), p.form.get("password", [""])[0], \
        p.field("domain") or "Default"
    if not user or not password:
        return p.render("login.html", 400, user=user, domain=domain,
                        error="Enter your user name and password.")
    r = await p.api.call("POST", TOKENS, body={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}}}})
    if not r.ok:
        msg = ("The user name, password or domain is wrong." if r.status == 401
               else r.error())
        return p.render("login.html", 401, user=user, domain=domain, error=msg)
    unscoped = r.headers["x-subject-token"]
    listed = await p.api.call("GET", "/identity/v3/auth/projects", unscoped)
    projects = sorted((Project(x["id"], x["name"]) for x in
                       (listed.body or {}).get("projects", []) if x.get("enabled", True)),
                      key=lambda x: x.name)
    if not projects:
        await _revoke(p, unscoped, unscoped)
        return p.render("login.html", 403, user=user, domain=domain,
                        error="You have no role on any project.")
    s = p.session
    s.user, s.domain, s.unscoped, s.projects = user, domain, unscoped, projects
    # a project whose name is the user's (demo's demo, admin's admin), else the first
    chosen = next((x for x in projects if x.name == user), projects[0])
    failed = await _scope(p, chosen)
    if failed:
        return p.render("login.html", 401, user=user, domain=domain, error=failed)
    p.dash.sessions.rotate(s)
    resp = RedirectResponse("/", 303)
    p.dash.set_cookie(resp, p)
    return resp


async def _scope(p: Page, project: Project) -> str | None:
    r = await p.api.call("POST", TOKENS, body={"auth": {
        "identity": {"methods": ["token"], "token": {"id": p.session.unscoped}},
        "scope": {"project": {"id": project.id}}}})
    if not r.ok:
        return r.error()
    old = p.session.token
    p.session.token = r.headers["x-subject-token"]
    p.session.project = project
    body: dict[str, Any] = r.body["token"] if isinstance(r.body, dict) else {}
    p.session.roles = tuple(sorted(x["name"] for x in body.get("roles", [])))
    if old:
        await _revoke(p, p.session.token, old)
    return None


async def switch_project(p: Page) -> Response:
    wanted = p.field("project")
    project = next((x for x in p.session.projects if x.id == wanted), None)
    if project is None:
        return p.failed("/", "There is no such project among yours.")
    failed = await _scope(p, project)
    if failed:
        return p.failed("/", failed)
    return p.back("/", f"Now working in project {project.name}.")


async def logout(p: Page) -> Response:
    s = p.session
    if s.token:
        await _revoke(p, s.unscoped or s.token, s.token)
    if s.unscoped:
        await _revoke(p, s.unscoped, s.unscoped)
    p.dash.sessions.drop(s.id)
    resp = RedirectResponse("/login", 303)
    resp.delete_cookie("nubo_session", path="/")
    return resp


async def _revoke(p: Page, auth: str, token: str) -> Reply:
    return await p.api.call("DELETE", TOKENS, auth, headers={"x-subject-token": token})
