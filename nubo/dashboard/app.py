"""The dashboard's ASGI app: sessions, CSRF, dispatch along routes.py, rendering.

Every page runs as the logged-in user: its calls go to the services' API apps in-process
with the session's token, so the API's policy decides what it sees; `can()` asks the same
policies so that a button the user may not use is not rendered."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from nubo.core import errors
from nubo.core.context import RequestContext
from nubo.dashboard import cli
from nubo.dashboard.gateway import ApiError, Gateway
from nubo.dashboard.reads import ServerLister
from nubo.dashboard.sessions import COOKIE, Session, Sessions

LOG = logging.getLogger("nubo.dashboard")
HERE = Path(__file__).parent
STATIC = HERE / "static"
MAX_FORM = 256 * 1024
#: scripts only from our own files (htmx, app.js): an injected <script> would not run even
#: if escaping failed; inline style attributes draw the bars' widths
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class PolicyCheck(Protocol):
    def allowed(self, ctx: RequestContext, action: str,
                target: Mapping[str, Any] | None = None) -> bool: ...

    def knows(self, action: str) -> bool: ...


Authenticator = Callable[[str, str], Awaitable[RequestContext]]


@dataclass
class Page:
    """One request as a handler sees it."""

    request: Request
    session: Session
    dash: Dashboard
    params: dict[str, Any]
    ctx: RequestContext | None = None
    form: dict[str, list[str]] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.session.token

    @property
    def api(self) -> Gateway:
        return self.dash.gateway

    @property
    def project_id(self) -> str:
        return self.ctx.project_id or "" if self.ctx else ""

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0].strip() if values else default

    def fields(self, name: str) -> list[str]:
        return [v for v in self.form.get(name, []) if v]

    def can(self, action: str, target: Mapping[str, Any] | None = None) -> bool:
        if self.ctx is None:
            return False
        return self.dash.can(self.ctx, action, {"project_id": self.ctx.project_id,
                                                "user_id": self.ctx.user_id,
                                                **(target or {})})

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return self.dash.render(self, template, status, **values)

    def back(self, url: str, ok: str | None = None) -> Response:
        """After a change: a message on the next page, and see that page (303)."""
        if ok:
            self.session.say("ok", ok)
        return RedirectResponse(url, status_code=303)

    def failed(self, url: str, err: ApiError | str, at: str | None = None) -> Response:
        """The service refused: its words on the next page, at the top and, with `at`,
        beside the form or row that asked (templates: `m.error_at(at)`)."""
        self.session.say("error", str(err))
        if at:
            self.session.errors_at[at] = str(err)
        return RedirectResponse(url, status_code=303)


Handler = Callable[[Page], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    handler: Handler
    #: False: served without a login (the login page itself)
    login: bool = True


class Dashboard:
    def __init__(self, routes: list[Route], gateway: Gateway, authenticate: Authenticator,
                 policies: Mapping[str, PolicyCheck], servers: ServerLister,
                 https: bool = False) -> None:
        self.gateway = gateway
        #: the public URL is https (TLS ended by a proxy in front): Secure cookies always
        self.https = https
        #: the compute service's list, read in-process by the busiest pages (reads.py)
        self.servers = servers
        self.authenticate = authenticate
        #: policy rule prefix ("os_compute_api:") -> the service's policy
        self.policies = dict(policies)
        self.sessions = Sessions()
        self.routes = [(compile_path(r.path)[0], r) for r in routes]
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["sh"] = cli.quote
        self.env.filters["ago"] = cli.ago
        self.env.filters["size"] = cli.size

    def can(self, ctx: RequestContext, action: str, target: Mapping[str, Any]) -> bool:
        for prefix, policy in self.policies.items():
            if action.startswith(prefix):
                if not policy.knows(action):
                    # the API checks no rule for it (Neutron's floating IPs and security
                    # groups: ownership is checked on the resource): neither do we
                    return True
                return policy.allowed(ctx, action, target)
        raise ValueError(f"no policy for {action}")

    def render(self, page: Page, template: str, status: int = 200,
               **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            page=page, session=page.session, csrf=page.session.csrf,
            flash=page.session.take_flash(), errors_at=page.session.take_errors(),
            path=page.request.url.path, **values)
        return HTMLResponse(html, status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = scope["path"]
        if path.startswith("/static/"):
            resp = self._static(path[len("/static/"):])
        else:
            resp = await self._page(request)
        resp.headers.setdefault("x-frame-options", "DENY")
        resp.headers.setdefault("x-content-type-options", "nosniff")
        resp.headers.setdefault("referrer-policy", "same-origin")
        resp.headers.setdefault("content-security-policy", CSP)
        await resp(scope, receive, send)

    @staticmethod
    def _static(name: str) -> Response:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?", name) or ".." in name:
            return Response("not found", 404)
        file = STATIC / name
        if not file.is_file():
            return Response("not found", 404)
        resp = FileResponse(file)
        resp.headers["cache-control"] = "public, max-age=3600"
        return resp

    async def _page(self, request: Request) -> Response:
        route, params = self._match(request.url.path, request.method)
        sid = request.cookies.get(COOKIE)
        session = self.sessions.get(sid)
        fresh = session is None
        if session is None:
            session = self.sessions.new()
        page = Page(request, session, self, params)
        if route is not None:
            request.scope["nubo.route"] = route.path    # the metrics' label, not the path
        if route is None:
            return self._cookie(page.render("error.html", 404, title="Not found",
                                            message="There is no such page."), page, fresh)
        if request.method == "POST":
            refused = await self._post_check(page, fresh)
            if refused is not None:
                return refused
        if route.login:
            if not session.logged_in:
                if request.headers.get("hx-request"):
                    return Response(status_code=401, headers={"hx-redirect": "/login"})
                return self._cookie(RedirectResponse("/login", 303), page, fresh)
            try:
                page.ctx = await self.authenticate(session.token, "req-dashboard")
            except errors.NuboError:
                session.token = session.unscoped = ""
                session.say("error", "Your session has ended: log in again.")
                return self._cookie(RedirectResponse("/login", 303), page, fresh)
        try:
            resp = await route.handler(page)
        except ApiError as err:
            resp = self._api_error(page, err)
        except Exception:  # noqa: BLE001 - a bug becomes an error page, never a traceback
            LOG.exception("dashboard: %s %s failed", request.method, request.url.path)
            resp = page.render("error.html", 500, title="Something went wrong",
                               message="The page could not be shown. The error is in the "
                                       "server's log.")
        return self._cookie(resp, page, fresh)

    def _match(self, path: str, method: str) -> tuple[Route | None, dict[str, Any]]:
        path = path.rstrip("/") or "/"
        for regex, route in self.routes:
            m = regex.match(path)
            if m and route.method == method:
                return route, m.groupdict()
        return None, {}

    async def _post_check(self, page: Page, fresh: bool) -> Response | None:
        """CSRF: a POST must come from one of our pages (its session's token, in the form
        or htmx's header) and, when the browser says where from, from our own origin."""
        request = page.request
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get(
                "host", ""):
            return page.render("error.html", 403, title="Refused",
                               message="A form from another site cannot act here.")
        raw = await request.body()
        if len(raw) > MAX_FORM:
            return page.render("error.html", 413, title="Too large",
                               message="The form is too large.")
        page.form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        given = request.headers.get("x-csrf-token") or page.field("csrf")
        if fresh or not page.session.csrf_ok(given):
            return page.render("error.html", 403, title="Refused",
                               message="This form has expired or did not come from this "
                                       "site. Reload the page and try again.")
        return None

    def _api_error(self, page: Page, err: ApiError) -> Response:
        if err.status == 401:
            page.session.token = page.session.unscoped = ""
            return RedirectResponse("/login", 303)
        if err.status == 403:
            return page.render("error.html", 403, title="Not allowed",
                               message="You are not allowed to see this page.")
        if err.status == 404:
            return page.render("error.html", 404, title="Not found", message=err.message)
        return page.render("error.html", err.status if err.status >= 400 else 500,
                           title="The service refused", message=err.message)

    def _cookie(self, resp: Response, page: Page, fresh: bool) -> Response:
        if fresh:
            self.set_cookie(resp, page)
        return resp

    def set_cookie(self, resp: Response, page: Page) -> None:
        resp.set_cookie(COOKIE, page.session.id, httponly=True, samesite="lax",
                        secure=self.https or page.request.url.scheme == "https", path="/")
