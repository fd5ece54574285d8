"""Uploads cut off for real: the client vanishes mid-body, or `nubo up` is killed mid-upload.
Either way the image ends queued, no partial data is served, and no file is left."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_nubo_up import token


def _files(cloud: Cloud) -> list[Path]:
    return [p for p in (cloud.data_dir / "images").rglob("*") if p.is_file()]


def _image(cloud: Cloud, h: dict[str, str]) -> str:
    r = httpx.post(f"{cloud.url}/image/v2/images", headers=h, json={
        "name": "cut", "disk_format": "raw", "container_format": "bare"})
    return str(r.json()["id"])


def _send_partial(cloud: Cloud, tok: str, image_id: str, total: int, sent: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", cloud.port))
    s.sendall((f"PUT /image/v2/images/{image_id}/file HTTP/1.1\r\nHost: x\r\n"
               f"X-Auth-Token: {tok}\r\nContent-Type: application/octet-stream\r\n"
               f"Content-Length: {total}\r\n\r\n").encode())
    s.sendall(b"x" * sent)
    return s


def _wait_status(cloud: Cloud, h: dict[str, str], image_id: str, want: str) -> dict:
    deadline = time.monotonic() + 20
    while True:
        img = httpx.get(f"{cloud.url}/image/v2/images/{image_id}", headers=h).json()
        if img["status"] == want or time.monotonic() > deadline:
            return img
        time.sleep(0.1)


def test_client_disconnect_mid_upload(cloud: Cloud) -> None:
    tok = token(cloud, cloud.password()).headers["x-subject-token"]
    h = {"X-Auth-Token": tok}
    image_id = _image(cloud, h)
    s = _send_partial(cloud, tok, image_id, 8 * 1024 * 1024, 3 * 1024 * 1024)
    time.sleep(0.5)
    s.close()
    img = _wait_status(cloud, h, image_id, "queued")
    assert img["status"] == "queued" and img["size"] is None
    assert httpx.get(f"{cloud.url}/image/v2/images/{image_id}/file",
                     headers=h).status_code == 204
    assert _files(cloud) == []
    r = httpx.put(f"{cloud.url}/image/v2/images/{image_id}/file", headers={
        **h, "Content-Type": "application/octet-stream"}, content=b"whole")
    assert r.status_code == 204


def test_kill_9_mid_upload_then_restart(tmp_path: Path) -> None:
    cloud = start_nubo(tmp_path / "data", free_port())
    tok = token(cloud, cloud.password()).headers["x-subject-token"]
    h = {"X-Auth-Token": tok}
    image_id = _image(cloud, h)
    s = _send_partial(cloud, tok, image_id, 64 * 1024 * 1024, 20 * 1024 * 1024)
    assert _wait_status(cloud, h, image_id, "saving")["status"] == "saving"
    cloud.proc.send_signal(signal.SIGKILL)
    cloud.proc.wait()
    s.close()
    again = start_nubo(tmp_path / "data", free_port())
    try:
        img = httpx.get(f"{again.url}/image/v2/images/{image_id}", headers=h).json()
        assert img["status"] == "queued" and img["size"] is None
        assert _files(again) == []
    finally:
        stop_nubo(again)
