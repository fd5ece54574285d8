"""DATA_DIR/clouds.yaml: the openstack CLI's clouds of a first start (nubo, nubo-system,
nubo-demo), written 0600; a restart keeps the passwords and points it at the current URL."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from nubo.identity.bootstrap import Credentials


def write(path: Path, auth_url: str, region: str, creds: Credentials) -> Path:
    def cloud(user: str, pw: str, project: str | None) -> dict[str, object]:
        auth: dict[str, object] = {"auth_url": auth_url, "username": user, "password": pw,
                                   "user_domain_name": "Default"}
        if project:
            auth |= {"project_name": project, "project_domain_name": "Default"}
        else:
            auth |= {"system_scope": "all"}
        return {"auth": auth, "region_name": region,
                "identity_api_version": 3, "interface": "public"}
    doc = {"clouds": {
        "nubo": cloud("admin", creds.admin_password, "admin"),
        "nubo-system": cloud("admin", creds.admin_password, None),
        "nubo-demo": cloud("demo", creds.demo_password, "demo"),
    }}
    _replace(path, doc)
    return path


def refresh(path: Path, auth_url: str) -> Path | None:
    """Point every cloud of `path` at `auth_url` (None: there is no clouds.yaml)."""
    if not path.exists():
        return None
    doc = yaml.safe_load(path.read_text()) or {}
    for c in (doc.get("clouds") or {}).values():
        c.setdefault("auth", {})["auth_url"] = auth_url
    _replace(path, doc)
    return path


def _replace(path: Path, doc: object) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    os.replace(tmp, path)
