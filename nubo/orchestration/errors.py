"""Typed errors of the orchestration service, with Heat's messages and exception names.

`core/http.py` renders them in Heat's fault format: `{"code", "title", "explanation",
"error": {"type", "message", "traceback": null}}`; `type` is Heat's exception name.
"""

from __future__ import annotations

from nubo.core.errors import BadRequest, Conflict, Forbidden, NotFound, TemplatedError


class HeatError(TemplatedError):
    """Base of the orchestration faults (the code is the class name, as Heat's type)."""


class StackValidationFailed(HeatError, BadRequest):
    template = "{msg}"


class InvalidTemplateVersion(HeatError, BadRequest):
    template = "The template version is invalid: {explanation}"


class InvalidTemplateReference(HeatError, BadRequest):
    template = 'The specified reference "{resource}" (in {key}) is incorrect.'


class CircularDependencyException(HeatError, BadRequest):
    template = "Circular Dependency Found: {cycle}"


class UserParameterMissing(HeatError, BadRequest):
    template = "The Parameter ({key}) was not provided."


class InvalidTemplateAttribute(HeatError, BadRequest):
    template = "The Referenced Attribute ({resource} {key}) is incorrect."


class NotSupported(HeatError, BadRequest):
    template = "{feature} is not supported."


class HTTPBadRequest(HeatError, BadRequest):
    template = "{msg}"


class EntityNotFound(HeatError, NotFound):
    template = "The {entity} ({name}) could not be found."


class StackExists(HeatError, Conflict):
    template = "The Stack ({stack_name}) already exists."


class ActionInProgress(HeatError, Conflict):
    template = "Stack {stack_name} already has an action ({action}) in progress."


class SignalRefused(HeatError, Forbidden):
    template = "The signal of resource {name} was refused: {why}"


def stack_not_found(name: str) -> EntityNotFound:
    return EntityNotFound(entity="Stack", name=name)


def bad(msg: str) -> StackValidationFailed:
    return StackValidationFailed(msg=msg)
