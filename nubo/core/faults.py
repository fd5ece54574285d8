"""Each service's own fault format (`core/http.py` maps every NuboError through here).

Kept apart from the HTTP plumbing so that what answers before the services are loaded (the
start-up gate in `core/gate.py`) speaks the same formats without importing them.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from nubo.core import errors

JSON = "application/json"
FaultStyle = Literal["keystone", "nova", "neutron", "glance", "placement", "heat"]

_NOVA_KEYS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
              405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest",
              413: "overLimit", 415: "badMediaType", 429: "overLimit", 501: "notImplemented",
              503: "serviceUnavailable"}


def fault_body(style: FaultStyle, err: errors.NuboError, request_id: str) -> tuple[bytes, str]:
    """The bytes and media type of `err` in the fault format of `style`."""
    s, msg = err.status, err.message
    body: Any
    if style == "keystone":
        body = {"error": {"code": s, "title": err.title, "message": msg}}
    elif style == "nova":
        body = {_NOVA_KEYS.get(s, "computeFault"): {"code": s, "message": msg}}
    elif style == "neutron":
        body = {"NeutronError": {"type": err.code, "message": msg, "detail": ""}}
    elif style == "placement":
        body = {"errors": [{"status": s, "title": err.title, "detail": msg,
                            "code": f"placement.{err.code}", "request_id": request_id}]}
    elif style == "heat":
        body = {"code": s, "title": err.title, "explanation": msg,
                "error": {"type": err.code, "message": msg, "traceback": None}}
    else:  # glance answers in plain text, as webob does
        return f"{s} {err.title}\n\n{msg}\n\n   ".encode(), "text/plain; charset=UTF-8"
    return orjson.dumps(body), JSON
