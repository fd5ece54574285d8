"""Render key pairs as Nova does at 2.1 (no `type` before 2.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nubo.compute.keypairs import Keypair


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def brief(k: Keypair) -> dict[str, Any]:
    return {"keypair": {"name": k.name, "public_key": k.public_key,
                        "fingerprint": k.fingerprint}}


def created(k: Keypair) -> dict[str, Any]:
    body = {"name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint,
            "user_id": k.user_id}
    if k.private_key is not None:
        body["private_key"] = k.private_key
    return {"keypair": body}


def show(k: Keypair) -> dict[str, Any]:
    return {"keypair": {"name": k.name, "public_key": k.public_key,
                        "fingerprint": k.fingerprint, "user_id": k.user_id, "id": k.id,
                        "created_at": ts(k.created_at), "updated_at": ts(k.updated_at),
                        "deleted": False, "deleted_at": None}}
