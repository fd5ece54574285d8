"""Tempest's compute response schemas, from the clients venv when it is there."""

from __future__ import annotations

import glob
import importlib
import sys
from typing import Any

import jsonschema
import pytest

_SITE = glob.glob("/work/main/.venv-clients/lib/python3*/site-packages")
if _SITE and _SITE[0] not in sys.path:
    sys.path.append(_SITE[0])      # last, so nothing of ours is shadowed


def tempest(module: str, name: str) -> dict[str, Any]:
    try:
        mod = importlib.import_module(f"tempest.lib.api_schema.response.compute.v2_1.{module}")
    except ImportError:
        pytest.skip("tempest is not installed")
    schema: dict[str, Any] = getattr(mod, name)
    return schema


def check(module: str, name: str, body: Any, status: int | None = None) -> None:
    """Validate a response body (and status) against Tempest's schema `module.name`."""
    schema = tempest(module, name)
    if status is not None:
        assert status in schema["status_code"], (status, schema["status_code"])
    if "response_body" in schema:
        jsonschema.Draft4Validator(schema["response_body"]).validate(body)
