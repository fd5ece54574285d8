"""Image benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/image.py [--size-mib 1024] [--images 1000]

Against a real `nubo up` on loopback: upload and download throughput of one big image
compared with a plain file copy on the same disk (as a ratio), `GET /v2/images` latency with
many images, and the test guest image's build (cached and from downloaded packages) and size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import yaml
from common import free_port, pct, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
MIB = 1024 * 1024



def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port),
                             "--no-test-image"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env={**os.environ, "NUBO_IMAGE_COUNT_QUOTA": "0"})
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200 \
                    and (data / "clouds.yaml").exists():
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise SystemExit("nubo up exited")
        time.sleep(0.02)


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(MIB)
    with open(path, "wb") as f:
        for i in range(size_mib):
            f.write(block[i % 256:] + block[: i % 256])


def copy_rate(src: Path, dst: Path) -> float:
    t = time.perf_counter()
    with open(src, "rb") as a, open(dst, "wb") as b:
        shutil.copyfileobj(a, b, 8 * MIB)
        b.flush()
        os.fsync(b.fileno())
    rate = src.stat().st_size / MIB / (time.perf_counter() - t)
    dst.unlink()
    return rate


def chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            yield chunk



async def many_images(base: str, h: dict[str, str], n: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, headers=h) as c:
        sem = asyncio.Semaphore(8)

        async def one(i: int) -> None:
            async with sem:
                r = await c.post("/image/v2/images", json={
                    "name": f"bench-{i}", "disk_format": "raw", "container_format": "bare",
                    "os_distro": "bench", "tags": ["bench"]})
                assert r.status_code == 201, r.text
        await asyncio.gather(*(one(i) for i in range(n)))
        out = {}
        for label, url in (("list_default_page", "/image/v2/images"),
                           ("list_1000", "/image/v2/images?limit=1000"),
                           ("list_filtered_tag", "/image/v2/images?tag=bench&limit=100")):
            lat = []
            for _ in range(30):
                t = time.perf_counter()
                r = await c.get(url)
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200
            out[f"{label}_p50_ms"] = pct(lat, .5)
            out[f"{label}_p95_ms"] = pct(lat, .95)
        return out


def guest_build() -> dict[str, float]:
    from nubo.guest import build_test_image
    shared = Path(os.environ.get("NUBO_TEST_GUEST_CACHE",
                                 f"/tmp/nubo-guest-cache-{os.getuid()}"))
    with tempfile.TemporaryDirectory() as tmp:
        cold = build_test_image(Path(tmp), debs_dir=shared / "debs")
        hot = build_test_image(Path(tmp), debs_dir=shared / "debs")
    return {"guest_build_packages_cached_s": cold.seconds, "guest_build_cached_s": hot.seconds,
            "guest_qcow2_mib": cold.size / MIB, "guest_virtual_mib": cold.virtual_size / MIB}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--images", type=int, default=1000)
    args = ap.parse_args()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("NUBO_BENCH_DIR", "/var/tmp")) as tmp:
        root = Path(tmp)
        data, port = root / "data", free_port()
        proc = start(data, port)
        base = f"http://127.0.0.1:{port}"
        try:
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "admin", "password": pw, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
            h = {"X-Auth-Token": r.headers["x-subject-token"]}
            src = root / "big.raw"
            make_file(src, args.size_mib)
            figures["copy_mib_s"] = copy_rate(src, root / "copy.raw")
            img = httpx.post(f"{base}/image/v2/images", headers=h, json={
                "name": "big", "disk_format": "raw", "container_format": "bare"}).json()
            t = time.perf_counter()
            r = httpx.put(f"{base}/image/v2/images/{img['id']}/file", content=chunks(src),
                          headers={**h, "Content-Type": "application/octet-stream",
                                   "Content-Length": str(src.stat().st_size)}, timeout=600)
            assert r.status_code == 204, r.text
            figures["upload_mib_s"] = args.size_mib / (time.perf_counter() - t)
            out = root / "down.raw"
            t = time.perf_counter()
            with httpx.stream("GET", f"{base}/image/v2/images/{img['id']}/file", headers=h,
                              timeout=600) as resp, open(out, "wb") as f:
                for chunk in resp.iter_bytes(MIB):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            figures["download_mib_s"] = args.size_mib / (time.perf_counter() - t)
            assert out.stat().st_size == src.stat().st_size
            figures["upload_vs_copy"] = figures["upload_mib_s"] / figures["copy_mib_s"]
            figures["download_vs_copy"] = figures["download_mib_s"] / figures["copy_mib_s"]
            src.unlink()
            out.unlink()
            figures.update(asyncio.run(many_images(base, h, args.images)))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    figures.update(guest_build())
    report(figures)


if __name__ == "__main__":
    main()
