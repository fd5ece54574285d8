"""Render key pairs as Nova does: `type` from 2.2 on, a `keypairs_links` next link for a
full page from 2.35."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from nubo.compute.api.versions import MIN
from nubo.compute.service.keypairs import Keypair
from nubo.core.microversion import APIVersion

V22 = APIVersion(2, 2)


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def brief(k: Keypair, ver: APIVersion = MIN) -> dict[str, Any]:
    body = {"name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint}
    if ver >= V22:
        body["type"] = k.type
    return {"keypair": body}


def created(k: Keypair, ver: APIVersion = MIN) -> dict[str, Any]:
    body = {"name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint,
            "user_id": k.user_id}
    if ver >= V22:
        body["type"] = k.type
    if k.private_key is not None:
        body["private_key"] = k.private_key
    return {"keypair": body}


def show(k: Keypair, ver: APIVersion = MIN) -> dict[str, Any]:
    body: dict[str, Any] = {"name": k.name, "public_key": k.public_key,
                            "fingerprint": k.fingerprint, "user_id": k.user_id, "id": k.id,
                            "created_at": ts(k.created_at), "updated_at": ts(k.updated_at),
                            "deleted": False, "deleted_at": None}
    if ver >= V22:
        body["type"] = k.type
    return {"keypair": body}


def collection(found: list[Keypair], ver: APIVersion, base: str, params: dict[str, str],
               limit: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"keypairs": [brief(k, ver) for k in found]}
    if limit and len(found) == limit:
        query = dict(sorted(params.items()))
        query["marker"] = found[-1].name
        body["keypairs_links"] = [{"rel": "next",
                                   "href": f"{base}/v2.1/os-keypairs?{urlencode(query)}"}]
    return body
