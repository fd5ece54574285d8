"""The `nubo-test` image from the first moment of readiness, and /healthz's parts.

The guest builder is replaced by a stand-in (a tiny real qcow2 made by qemu-img) whose build
waits for the test's word: the record must be listed `queued` as soon as the node is ready,
/healthz must say the test image is still building, and the build's end must take the record
to `active`. A build already cached is registered before the node says it is ready.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from nubo import guest
from nubo.guest import BuildResult
from tests.conftest import api_on, make_settings

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


def _image(tmp: Path) -> BuildResult:
    path = tmp / "nubo-test-x.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
    data = path.read_bytes()
    return BuildResult(path=path, size=len(data), virtual_size=64 << 20,
                       sha256=hashlib.sha256(data).hexdigest(), seconds=0.0, cached=False,
                       built_seconds=0.0, kernel="6.1.0-test", key="x")


async def _test_images(a: Any) -> list[dict[str, Any]]:
    doc = await a.ok("GET", "/image/v2/images?name=nubo-test")
    return list(doc["images"])


async def test_record_is_queued_at_readiness_then_active(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _image(tmp_path)
    release = threading.Event()

    def build(cache_dir: Path, progress: Any = None, **kw: Any) -> BuildResult:
        if progress:
            progress("downloading 3 packages", 0.05)
        assert release.wait(60)
        return built
    monkeypatch.setattr(guest, "cached_test_image", lambda cache_dir: None)
    monkeypatch.setattr(guest, "build_test_image", build)
    settings = make_settings(tmp_path / "data", test_image=True,
                             guest_cache_dir=tmp_path / "cache")
    async with api_on(settings) as a:
        images = await _test_images(a)
        assert [i["status"] for i in images] == ["queued"]
        assert images[0]["visibility"] == "public"
        health = (await a.client.get("/healthz")).json()
        assert health["parts"]["test-image"] == "building"
        assert a.node.test_image is not None
        assert a.node.test_image.state.message == "downloading 3 packages"
        release.set()
        for _ in range(500):
            images = await _test_images(a)
            if images[0]["status"] == "active":
                break
            await asyncio.sleep(0.02)
        assert [i["status"] for i in images] == ["active"]
        assert images[0]["checksum"] and images[0]["size"] == built.size
        assert images[0]["nubo_guest_sha256"] == built.sha256
        assert (await a.client.get("/healthz")).json()["parts"]["test-image"] == "ready"


async def test_cached_build_is_active_before_readiness(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _image(tmp_path)
    monkeypatch.setattr(guest, "cached_test_image", lambda cache_dir: built)

    def no_build(*a: Any, **kw: Any) -> BuildResult:
        raise AssertionError("a cached image is not built again")
    monkeypatch.setattr(guest, "build_test_image", no_build)
    settings = make_settings(tmp_path / "data", test_image=True,
                             guest_cache_dir=tmp_path / "cache")
    async with api_on(settings) as a:
        images = await _test_images(a)
        assert [i["status"] for i in images] == ["active"]
        assert (await a.client.get("/healthz")).json()["parts"]["test-image"] == "ready"
    async with api_on(settings) as a:      # a restart registers nothing twice
        assert [i["status"] for i in await _test_images(a)] == ["active"]


async def test_healthz_lists_its_parts(tmp_path: Path) -> None:
    async with api_on(make_settings(tmp_path / "data")) as a:
        r = await a.client.get("/healthz")
        assert r.status_code == 200
        assert r.json()["parts"] == {"compute": "ready", "network": "off", "test-image": "off"}
