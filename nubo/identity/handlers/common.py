"""Small helpers the identity handlers share."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.core.http import read_json
from nubo.identity import errors
from nubo.identity.api import IdentityApi, api

__all__ = ["api", "body", "qbool", "qfilters", "IdentityApi"]

_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f"}


async def body(request: Request, schema: dict[str, Any]) -> Any:
    return await read_json(request, schema, api(request).settings.max_request_body_size)


def qbool(value: str | None, name: str = "parameter") -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in _TRUE or v == "":
        return True
    if v in _FALSE:
        return False
    raise errors.InvalidBooleanQuery(value=value, name=name)


def qfilters(request: Request, *names: str, bools: tuple[str, ...] = ("enabled",)
             ) -> dict[str, Any]:
    q = request.query_params
    out: dict[str, Any] = {}
    for n in names:
        if n in q:
            out[n] = qbool(q[n], n) if n in bools else q[n]
    return out


def flag(request: Request, name: str) -> bool:
    """Keystone's presence flags (`?effective`, `?include_names`, `?nocatalog`)."""
    if name not in request.query_params:
        return False
    return qbool(request.query_params[name], name) is not False
