"""HTTP plumbing shared by every service: routes, responses, fault bodies, request bodies.

Each service declares one route table (`routes.py`) of `Route`s; `ServiceApp` matches them,
authenticates, and maps every `NuboError` to the service's own fault format in one place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy.exc
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from nubo.core import errors
from nubo.core.access_rules import allowed
from nubo.core.context import RequestContext, anonymous
from nubo.core.faults import JSON, FaultStyle, fault_body
from nubo.core.microversion import APIVersion, VersionRange
from nubo.core.validation import check_json, validate

LOG = logging.getLogger("nubo.http")

Handler = Callable[[Request], Awaitable[Response]]
Authenticator = Callable[[str, str], Awaitable[RequestContext]]

#: Keystone's default `max_request_body_size`.
DEFAULT_MAX_BODY = 114688


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)


def no_content(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)


# ---------------------------------------------------------------------------------- faults

def fault_response(style: FaultStyle, err: errors.NuboError, request_id: str) -> Response:
    content, media = fault_body(style, err, request_id)
    return Response(content, status_code=err.status, media_type=media, headers=err.headers)


# ---------------------------------------------------------------------------------- bodies

async def read_body(request: Request, max_size: int = DEFAULT_MAX_BODY) -> bytes:
    """The whole request body, refusing more than `max_size` bytes without reading them."""
    length = request.headers.get("content-length")
    if length is not None:
        try:
            if int(length) > max_size:
                raise errors.PayloadTooLarge()
        except ValueError:
            raise errors.BadRequest("Invalid Content-Length header.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_size:
            raise errors.PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """A request body's JSON: a 400 when malformed, too deep, or holding an integer out of
    any column's range (core.validation.check_json)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.ValidationError(f"Malformed JSON in request body: {exc}") from None
    check_json(body)
    return body


async def read_json(request: Request, schema: dict[str, Any] | None = None,
                    max_size: int = DEFAULT_MAX_BODY) -> Any:
    """Parse and validate a JSON body: a 400 for anything malformed, 413 for too large."""
    raw = await read_body(request, max_size)
    if not raw.strip():
        if schema is not None:
            raise errors.ValidationError("The request body is empty; a JSON document is "
                                         "expected.")
        return None
    ctype = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if ctype and ctype != JSON and not ctype.endswith("+json"):
        raise errors.UnsupportedMediaType(f"Content type {ctype} is not supported; send "
                                          f"{JSON}.")
    body = parse_json(raw)
    if schema is not None:
        validate(schema, body)
    return body


def context(request: Request) -> RequestContext:
    ctx: RequestContext = request.scope["nubo.context"]
    return ctx


def version(request: Request) -> APIVersion:
    """The microversion negotiated for this request (services with microversions only)."""
    v: APIVersion = request.scope["nubo.version"]
    return v


# ---------------------------------------------------------------------------------- routing

@dataclass(frozen=True)
class Route:
    """One API operation. `auth=False` for the few public ones (version documents, login).
    `min_version`/`max_version`: the microversions the operation exists in (else 404)."""

    path: str
    method: str
    handler: Handler
    auth: bool = True
    min_version: str | None = None
    max_version: str | None = None


@dataclass
class _Path:
    regex: re.Pattern[str]
    convertors: dict[str, Any]
    template: str
    methods: dict[str, Route] = field(default_factory=dict)


class ServiceApp:
    """Dispatch for one service: match path and method, authenticate, render faults."""

    def __init__(self, name: str, prefix: str, routes: Iterable[Route], style: FaultStyle,
                 authenticator: Authenticator | None, state: Any = None,
                 versions: VersionRange | None = None, *,
                 unauthorized_headers: dict[str, str] | None = None,
                 strict_slashes: bool = False,
                 rewrite: Callable[[Scope], bool] | None = None) -> None:
        self.name, self.prefix, self.style = name, prefix, style
        self.authenticator = authenticator
        self.state = state
        self.versions = versions
        #: added to every 401 (Keystone's WWW-Authenticate)
        self.unauthorized_headers: dict[str, str] = dict(unauthorized_headers or {})
        #: Glance is strict: /v2/images/ is not /v2/images (an empty id is a 404). A strict
        #: service still accepts a trailing slash on its version documents.
        self.strict_slashes = strict_slashes
        #: Run before routing; may rewrite scope["path"]. When it returns True the request is
        #: served at the minimum microversion whatever its headers ask, and the response has
        #: no microversion headers (compute's legacy /v2 API onto /v2.1, as Nova's wrapper).
        self.rewrite = rewrite
        by_path: dict[str, _Path] = {}
        explicit: set[tuple[str, str]] = set()
        for r in routes:
            full = prefix + r.path if r.path != "/" else prefix
            p = by_path.get(full)
            if p is None:
                regex, _fmt, conv = compile_path(full)
                p = by_path[full] = _Path(regex, conv, full)
            if (full, r.method) in explicit:
                raise ValueError(f"duplicate route {r.method} {full}")
            explicit.add((full, r.method))
            p.methods[r.method] = r
            if r.method == "GET" and (full, "HEAD") not in explicit:
                p.methods["HEAD"] = r     # HEAD answers as GET does, without the body
        self.paths = list(by_path.values())

    def match(self, path: str, method: str) -> tuple[Route, dict[str, Any], str]:
        allowed: list[str] = []
        for p in self.paths:
            m = p.regex.match(path)
            if m is None:
                continue
            route = p.methods.get(method)
            if route is None:
                allowed.extend(p.methods)
                continue
            params = {k: p.convertors[k].convert(v) for k, v in m.groupdict().items()}
            return route, params, p.template
        if allowed:
            raise errors.MethodNotAllowed(
                f"The method {method} is not allowed for this resource.",
                headers={"Allow": ", ".join(sorted(set(allowed)))})
        raise errors.NotFound("The resource could not be found.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid: str = scope["nubo.request_id"]
        scope["nubo.state"] = self.state
        pinned = self.rewrite is not None and self.rewrite(scope)
        if self.versions is not None and not pinned:
            send = self._with_version_headers(scope, send)
        try:
            if self.versions is not None and pinned:
                scope["nubo.version"] = self.versions.minimum
            elif self.versions is not None:
                headers = {k.decode("latin-1"): v.decode("latin-1")
                           for k, v in scope["headers"]}
                scope["nubo.version"] = self.versions.negotiate(headers)
            route, params, template = self.match(scope["path"], scope["method"])
            if (route.min_version or route.max_version) and not scope["nubo.version"].matches(
                    route.min_version, route.max_version):
                raise errors.NotFound("The resource could not be found.")
            scope["nubo.route"] = template
            scope["path_params"] = params
            request = Request(scope, receive)
            trusted = scope.get("nubo.trusted_context")
            if route.auth and trusted is not None:
                # an in-process call of another service on the controller (orchestration's
                # engine acting for a stack's owner); never set from HTTP (ASGI servers build
                # the scope from the request line and headers only)
                scope["nubo.context"] = trusted
            elif route.auth:
                token = request.headers.get("x-auth-token")
                if not token:
                    raise errors.Unauthorized()
                if self.authenticator is None:
                    raise errors.ServiceUnavailable("Authentication is not available.")
                scope["nubo.context"] = ctx = await self.authenticator(token, rid)
                if ctx.access_rules is not None and not allowed(
                        ctx.access_rules, self.name, scope["method"], self.prefix,
                        scope["path"]):
                    # keystonemiddleware's InvalidToken: the credential's rules do not
                    # allow this call (the service name is its catalog type).
                    raise errors.Unauthorized("The request you have made requires "
                                              "authentication.")
                url_project = scope.get("nubo.url_project_id")   # set by a rewrite
                if url_project and url_project != ctx.project_id:
                    raise errors.BadRequest(
                        f"Malformed request URL: URL's project_id '{url_project}' doesn't "
                        f"match Context's project_id '{ctx.project_id}'")
            else:
                scope["nubo.context"] = anonymous(rid)
            response = await route.handler(request)
        except errors.NuboError as err:
            if err.status == 401:
                err.headers = {**self.unauthorized_headers, **err.headers}
            if err.status >= 500:
                LOG.error("%s: %s", type(err).__name__, err.message)
            response = fault_response(self.style, err, rid)
        except (OverflowError, sqlalchemy.exc.DataError):
            # A value from the request reached the database unchecked: a number SQLite cannot
            # bind (past 64 bits) or one a PostgreSQL/MariaDB column cannot hold. The request
            # is what is wrong; logged with the traceback, so that the place that should have
            # bounded it is found and fixed.
            LOG.warning("value out of range in %s %s", scope["method"], scope["path"],
                        exc_info=True)
            response = fault_response(self.style, errors.BadRequest(
                "A value in the request is out of range for its field."), rid)
        except Exception:  # noqa: BLE001 - the one place a bug becomes a clean 500
            LOG.exception("unhandled error in %s %s", scope["method"], scope["path"])
            response = fault_response(self.style, errors.NuboError(
                "An unexpected error prevented the server from fulfilling your request."), rid)
        await response(scope, receive, send)

    def _with_version_headers(self, scope: Scope, send: Send) -> Send:
        assert self.versions is not None
        versions = self.versions

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                v = scope.get("nubo.version", versions.minimum)
                extra = [(k.lower().encode(), val.encode())
                         for k, val in versions.response_headers(v).items()]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)
        return wrapped
