"""Tempest's compute response schemas, from the clients venv (tests/install.py finds it)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

import jsonschema

from tests.install import clients_site_packages, clients_venv, missing

_SITE = clients_site_packages()
if _SITE and _SITE not in sys.path:
    sys.path.append(_SITE)      # last, so nothing of ours is shadowed


def schema_module(version: str, module: str) -> ModuleType:
    """Tempest's schema module for `version`: that of the highest v2_<minor> package at or
    below it that has `module` (as Tempest picks them). Tempest missing from the clients venv
    is a failure where the install step was to put it there."""
    for minor in range(int(version.split(".")[1]), 0, -1):
        try:
            return importlib.import_module(
                f"tempest.lib.api_schema.response.compute.v2_{minor}.{module}")
        except ImportError:
            continue
    missing("clients", f"tempest is not installed in {clients_venv()}")


def tempest(module: str, name: str) -> dict[str, Any]:
    mod = schema_module("2.1", module)
    schema: dict[str, Any] = getattr(mod, name)
    return schema


def check(module: str, name: str, body: Any, status: int | None = None) -> None:
    """Validate a response body (and status) against Tempest's schema `module.name`."""
    schema = tempest(module, name)
    if status is not None:
        assert status in schema["status_code"], (status, schema["status_code"])
    if "response_body" in schema:
        jsonschema.Draft4Validator(schema["response_body"]).validate(body)
