"""The image API's OpenAPI document, with Glance's own response schemas (the ones it serves
at /v2/schemas/*) for the images and members it renders."""

from __future__ import annotations

from typing import Any

from nubo.core.openapi import Spec
from nubo.image import api, schemas
from nubo.image.routes import ROUTES


def _object(glance: dict[str, Any]) -> dict[str, Any]:
    """A Glance schema document as a JSON Schema (it leaves out the object type)."""
    return {"type": "object", **{k: v for k, v in glance.items() if k not in ("name", "links")}}


I = "/v2/images/{image_id}"  # noqa: E741
M = f"{I}/members"
_DATA = {"type": "string", "format": "binary"}
SPEC = Spec("image", "Nubo Image (OpenStack Glance v2)", api.PREFIX, ROUTES, "glance",
            bodies={("PATCH", I): schemas.PATCH, ("PUT", f"{I}/file"): _DATA,
                    ("PUT", f"{I}/stage"): _DATA},
            responses={("GET", "/v2/images"): _object(schemas.IMAGES),
                       ("POST", "/v2/images"): _object(schemas.IMAGE),
                       ("GET", I): _object(schemas.IMAGE),
                       ("PATCH", I): _object(schemas.IMAGE),
                       ("GET", M): _object(schemas.MEMBERS),
                       ("POST", M): _object(schemas.MEMBER),
                       ("GET", f"{M}/{{member_id}}"): _object(schemas.MEMBER),
                       ("PUT", f"{M}/{{member_id}}"): _object(schemas.MEMBER)})
