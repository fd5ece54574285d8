"""OpenStack config drives: an ISO 9660 filesystem labelled `config-2`, as Nova writes them.

    files = config_drive_files(meta_data, user_data=b"#!/bin/sh\\n...", network_data=...)
    write_config_drive(files, Path("disk.config"))

Render, then apply: `config_drive_files` is pure (paths -> bytes); `write_config_drive` packs
them with pycdlib, with Rock Ridge and Joliet names (as genisoimage -J -r), so any guest sees
`openstack/latest/meta_data.json` in lower case.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pycdlib

LABEL = "config-2"
LATEST = "latest"
#: The oldest OpenStack metadata version Nova still writes; cloud-init can read either.
LEGACY = "2012-08-10"


def _json(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True).encode()


def user_data_bytes(encoded: str | None) -> bytes | None:
    """A server's user_data as the guest reads it: the API keeps it base64-encoded (Nova's
    `user_data`), the drive and the metadata service give the decoded bytes. A value that is
    not base64 (a row older than the API's check) is given as it is."""
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:
        return encoded.encode()


def config_drive_files(meta_data: Mapping[str, Any], *, user_data: bytes | str | None = None,
                       network_data: Mapping[str, Any] | None = None,
                       vendor_data: Mapping[str, Any] | None = None,
                       legacy: bool = True,
                       extra: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """The drive's files: openstack/latest/{meta_data.json, user_data, network_data.json,
    vendor_data.json, vendor_data2.json} and, with `legacy`, openstack/2012-08-10 copies of
    meta_data.json and user_data. `extra` adds files by path (e.g. openstack/content/0000).
    """
    ud = user_data.encode() if isinstance(user_data, str) else user_data
    latest: dict[str, bytes] = {
        "meta_data.json": _json(meta_data),
        "network_data.json": _json(network_data or {}),
        "vendor_data.json": _json({}),
        "vendor_data2.json": _json(vendor_data or {}),
    }
    if ud is not None:
        latest["user_data"] = ud
    files = {f"openstack/{LATEST}/{name}": data for name, data in latest.items()}
    if legacy:
        files[f"openstack/{LEGACY}/meta_data.json"] = latest["meta_data.json"]
        if ud is not None:
            files[f"openstack/{LEGACY}/user_data"] = ud
    for path, data in (extra or {}).items():
        rel = path.strip("/")
        if not rel or any(part in ("", ".", "..") for part in rel.split("/")):
            raise ValueError(f"bad config drive path {path!r}")
        files[rel] = data
    return dict(sorted(files.items()))


def _iso_name(name: str, taken: set[str], is_dir: bool) -> str:
    """An ISO 9660 level-3 name (d-characters only); the real name lives in Rock Ridge/Joliet."""
    base = re.sub(r"[^A-Z0-9_.]", "_", name.upper())
    if is_dir:
        base = base.replace(".", "_")[:31]
    else:
        stem, dot, ext = base.rpartition(".")
        if not dot:
            stem, ext = base, ""
        base = f"{stem.replace('.', '_')[:26]}.{ext[:3]}"
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = f"{n}{base}"[:31]
    taken.add(candidate)
    return candidate


def write_config_drive(files: Mapping[str, bytes], dest: Path, label: str = LABEL) -> Path:
    """Write `files` as an ISO 9660 image with volume label `label` to `dest`."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, vol_ident=label, joliet=3, rock_ridge="1.09",
            sys_ident="LINUX", app_ident_str="nubo")
    dirs: dict[str, str] = {"": ""}
    names: dict[str, set[str]] = {"": set()}
    try:
        for path, data in sorted(files.items()):
            parts = path.split("/")
            for i in range(1, len(parts)):
                rel = "/".join(parts[:i])
                if rel in dirs:
                    continue
                parent = "/".join(parts[:i - 1])
                iso_path = f"{dirs[parent]}/{_iso_name(parts[i - 1], names[parent], True)}"
                iso.add_directory(iso_path, rr_name=parts[i - 1], joliet_path=f"/{rel}")
                dirs[rel], names[rel] = iso_path, set()
            parent = "/".join(parts[:-1])
            iso_path = f"{dirs[parent]}/{_iso_name(parts[-1], names[parent], False)};1"
            iso.add_fp(io.BytesIO(data), len(data), iso_path, rr_name=parts[-1],
                       joliet_path=f"/{path}")
        tmp = dest.with_name(f".{dest.name}.tmp")
        iso.write(str(tmp))
        tmp.replace(dest)
    finally:
        iso.close()
    return dest


def build_config_drive(dest: Path, meta_data: Mapping[str, Any], *,
                       user_data: bytes | str | None = None,
                       network_data: Mapping[str, Any] | None = None,
                       vendor_data: Mapping[str, Any] | None = None) -> Path:
    """Render and write a config drive in one call."""
    files = config_drive_files(meta_data, user_data=user_data, network_data=network_data,
                               vendor_data=vendor_data)
    return write_config_drive(files, dest)
