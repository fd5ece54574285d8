"""Typed errors with a stable code; `core/http.py` maps them to each service's fault format.

Services raise these and never pick an HTTP status themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar


class NuboError(Exception):
    """Base of every error a client may see. `status` and `title` follow HTTP."""

    status: int = 500
    title: str = "Internal Server Error"
    #: A stable, machine-readable name (Neutron shows it as `type`).
    code: str = "InternalError"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message()
        if code:
            self.code = code
        self.headers = headers or {}
        super().__init__(self.message)

    def default_message(self) -> str:
        return self.title


class BadRequest(NuboError):
    status, title, code = 400, "Bad Request", "BadRequest"


class ValidationError(BadRequest):
    code = "ValidationError"


class Unauthorized(NuboError):
    status, title, code = 401, "Unauthorized", "Unauthorized"

    def default_message(self) -> str:
        return "The request you have made requires authentication."


class Forbidden(NuboError):
    status, title, code = 403, "Forbidden", "Forbidden"

    def default_message(self) -> str:
        return "You are not authorized to perform the requested action."


class PolicyNotAuthorized(Forbidden):
    code = "PolicyNotAuthorized"

    def __init__(self, action: str) -> None:
        super().__init__(f"You are not authorized to perform the requested action: {action}.")
        self.action = action


class NotFound(NuboError):
    status, title, code = 404, "Not Found", "NotFound"

    def default_message(self) -> str:
        return "The resource could not be found."


class MethodNotAllowed(NuboError):
    status, title, code = 405, "Method Not Allowed", "MethodNotAllowed"


class NotAcceptable(NuboError):
    status, title, code = 406, "Not Acceptable", "NotAcceptable"


class Conflict(NuboError):
    status, title, code = 409, "Conflict", "Conflict"


class Gone(NuboError):
    status, title, code = 410, "Gone", "Gone"


class PreconditionFailed(NuboError):
    status, title, code = 412, "Precondition Failed", "PreconditionFailed"


class PayloadTooLarge(NuboError):
    status, title, code = 413, "Request Entity Too Large", "RequestEntityTooLarge"

    def default_message(self) -> str:
        return "Request is too large."


class RangeNotSatisfiable(NuboError):
    status, title, code = 416, "Requested Range Not Satisfiable", "RangeNotSatisfiable"


class UnsupportedMediaType(NuboError):
    status, title, code = 415, "Unsupported Media Type", "UnsupportedMediaType"


class TooManyRequests(NuboError):
    status, title, code = 429, "Too Many Requests", "TooManyRequests"


class NotImplementedYet(NuboError):
    status, title, code = 501, "Not Implemented", "NotImplemented"


class ServiceUnavailable(NuboError):
    status, title, code = 503, "Service Unavailable", "ServiceUnavailable"


class TemplatedError(NuboError):
    """A service's typed fault: `template` formatted with the keyword arguments given.

    A service's errors.py (identity, image, placement) derives one base from this and a class
    per fault, each extending the core class above that gives its status. `code` defaults to
    the class name (the upstream exception's name) unless `code_from_name` is off or the class
    sets its own.
    """

    template: ClassVar[str] = "{msg}"
    code_from_name: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code_from_name and "code" not in cls.__dict__:
            cls.code = cls.__name__

    def __init__(self, **fields: object) -> None:
        self.fields = fields
        super().__init__(self.template.format(**fields))
