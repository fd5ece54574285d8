"""Backups as files in a directory (Cinder's `posix` backup driver): the volume's bytes cut
into chunks, each compressed (zlib, unless a sample shows it does not compress) and
checksummed (sha256), and a metadata document that
lists them. An incremental backup stores only the chunks whose checksum differs from its
parent's; its metadata names, for every other chunk, the backup that holds it, so a restore
reads the whole chain without walking it. Zero chunks take no object at all.

Layout: ROOT/<container>/metadata.json and ROOT/<container>/chunk-<n>.z; the default
container is Cinder's `<id[0:2]>/<id[2:4]>/<id>`. The metadata is written last, through a
rename: a backup without it is partial (a crash mid-way), thrown away and written again.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import zlib
from pathlib import Path
from typing import Any

from nubo.volume.agent.backup.base import BackupError, Parent, Stored

MIB = 1024 ** 2
METADATA = "metadata.json"
SERVICE = "cinder.backup.drivers.posix.PosixBackupDriver"
FORMAT = 1


#: the sample a chunk's compressibility is judged on, and the ratio below which it pays
SAMPLE = 256 * 1024
WORTH = 0.9


def _pack(data: bytes, level: int) -> tuple[bytes, str]:
    """A chunk compressed (zlib) unless a sample of it shows it does not compress (random or
    already compressed bytes: zlib would cost ~30x the sha256 and save nothing)."""
    sample = data[:SAMPLE]
    if len(zlib.compress(sample, level)) > WORTH * len(sample):
        return data, "none"
    packed = zlib.compress(data, level)
    return (packed, "zlib") if len(packed) < len(data) else (data, "none")


def _hole(fd: int, offset: int, length: int) -> bool:
    """Whether [offset, offset+length) of a sparse file is all hole (SEEK_DATA says where
    the next data is); False where the file system cannot tell."""
    try:
        return os.lseek(fd, offset, os.SEEK_DATA) >= offset + length
    except OSError as exc:       # ENXIO: no data after offset; others: cannot tell
        return exc.errno == errno.ENXIO


def default_container(backup_id: str) -> str:
    return f"{backup_id[0:2]}/{backup_id[2:4]}/{backup_id}"


class PosixDriver:
    service = SERVICE

    def __init__(self, root: Path, chunk_mb: int = 32, level: int = 1) -> None:
        self.root = root
        self.chunk = chunk_mb * MIB
        self.level = level

    def where(self, container: str) -> Path:
        path = (self.root / container).resolve()
        if not path.is_relative_to(self.root.resolve()) or path == self.root.resolve():
            raise BackupError(f"container {container!r} is outside the backup store")
        return path

    def backup(self, backup_id: str, container: str, source: Path,
               parent: Parent | None) -> Stored:
        home = self.where(container)
        done = self._metadata(home)
        if done is not None and done.get("backup_id") == backup_id:
            return Stored(int(done["object_count"]), int(done["size_bytes"]))
        before = self._parent_chunks(parent)
        if home.exists():
            shutil.rmtree(home)         # a partial backup of a run a crash cut off
        home.mkdir(parents=True)
        try:
            chunks, written, size = self._write_chunks(home, container, source, before)
            doc = {"format": FORMAT, "backup_id": backup_id, "container": container,
                   "parent_id": parent.backup_id if parent else None,
                   "chunk_size": self.chunk, "compression": "zlib", "size_bytes": size,
                   "object_count": written, "chunks": chunks}
            tmp = home / (METADATA + ".part")
            tmp.write_text(json.dumps(doc))
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, home / METADATA)
        except OSError as exc:
            shutil.rmtree(home, ignore_errors=True)
            raise BackupError(f"writing backup {backup_id} failed: {exc}") from None
        return Stored(written, size)

    def _write_chunks(self, home: Path, container: str, source: Path,
                      before: dict[int, dict[str, Any]]
                      ) -> tuple[list[dict[str, Any]], int, int]:
        chunks: list[dict[str, Any]] = []
        written = 0
        size = source.stat().st_size
        zero = bytes(self.chunk)
        zero_digest = hashlib.sha256(zero).hexdigest()
        with open(source, "rb") as f:
            for index in range((size + self.chunk - 1) // self.chunk):
                offset = index * self.chunk
                length = min(self.chunk, size - offset)
                if length == self.chunk and _hole(f.fileno(), offset, length):
                    chunks.append({"index": index, "length": length, "sha256": zero_digest,
                                   "holder": None})     # a hole: nothing read, nothing stored
                    continue
                f.seek(offset)
                data = f.read(length)
                if len(data) != length:
                    raise OSError(f"{source.name} ended early at chunk {index}")
                blank = data == zero if length == self.chunk else not any(data)
                digest = zero_digest if blank and length == self.chunk else \
                    hashlib.sha256(data).hexdigest()
                entry: dict[str, Any] = {"index": index, "length": length,
                                         "sha256": digest, "holder": None}
                old = before.get(index)
                if blank:
                    pass                                    # zeros: nothing to store
                elif old is not None and old["sha256"] == digest and \
                        old["length"] == length:
                    entry["holder"] = old["holder"]         # unchanged since the parent
                    entry["codec"] = old.get("codec", "zlib")
                else:
                    packed, entry["codec"] = _pack(data, self.level)
                    (home / f"chunk-{index:06d}.z").write_bytes(packed)
                    entry["holder"] = container
                    written += 1
                chunks.append(entry)
        return chunks, written, size

    def _parent_chunks(self, parent: Parent | None) -> dict[int, dict[str, Any]]:
        if parent is None:
            return {}
        doc = self._metadata(self.where(parent.container))
        if doc is None:
            raise BackupError(f"the parent backup {parent.backup_id} is not in the store")
        return {int(c["index"]): c for c in doc["chunks"]}

    def restore(self, backup_id: str, container: str, dest: Path) -> None:
        doc = self._metadata(self.where(container))
        if doc is None:
            raise BackupError(f"backup {backup_id} is not in the store")
        with open(dest, "wb") as out:
            for c in doc["chunks"]:
                index, length = int(c["index"]), int(c["length"])
                if c["holder"] is None:
                    continue                                # a hole: stays sparse
                obj = self.where(str(c["holder"])) / f"chunk-{index:06d}.z"
                try:
                    data = obj.read_bytes()
                    if c.get("codec", "zlib") == "zlib":
                        data = zlib.decompress(data)
                except (OSError, zlib.error) as exc:
                    raise BackupError(f"chunk {index} of backup {backup_id} cannot be "
                                      f"read: {exc}") from None
                if len(data) != length or hashlib.sha256(data).hexdigest() != c["sha256"]:
                    raise BackupError(f"chunk {index} of backup {backup_id} is corrupt: its "
                                      "sha256 does not match the backup's metadata")
                out.seek(index * int(doc["chunk_size"]))
                out.write(data)
            out.truncate(int(doc["size_bytes"]))

    def delete(self, backup_id: str, container: str) -> None:
        home = self.where(container)
        if not home.exists():
            return
        shutil.rmtree(home)
        root = self.root.resolve()
        for up in home.parents:             # the empty <id[0:2]>/<id[2:4]> levels too
            if up == root or not up.is_relative_to(root):
                break
            try:
                up.rmdir()
            except OSError:
                break

    def exists(self, backup_id: str, container: str) -> bool:
        """A complete backup in the container, whatever id it was written under: an import
        may give a record a new id over the same data (Tempest's export/import test does)."""
        return self._metadata(self.where(container)) is not None

    def _metadata(self, home: Path) -> dict[str, Any] | None:
        try:
            doc = json.loads((home / METADATA).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise BackupError(f"the metadata of {home.name} cannot be read: {exc}") from None
        return doc if isinstance(doc, dict) else None
