"""REST helpers for the operations tests: make a small cloud's worth of resources, read them
back in a comparable form."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.conftest import Cloud


def admin_client(cloud: Cloud) -> httpx.Client:
    r = httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": cloud.password(), "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert r.status_code == 201, r.text
    return httpx.Client(base_url=cloud.url, timeout=30,
                        headers={"X-Auth-Token": r.headers["x-subject-token"]})


def ok(r: httpx.Response, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201, 202, 204)), (r.request.url, r.text)
    return r.json() if r.content else None


def unlimited(c: httpx.Client) -> None:
    """No instance quota for the admin project (the default is 10)."""
    admin = ok(c.get("/identity/v3/projects?name=admin"))["projects"][0]["id"]
    ok(c.put(f"/compute/v2.1/os-quota-sets/{admin}", json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}}))


def make_resources(c: httpx.Client, image_data: bytes) -> dict[str, str]:
    """A user in a new project, an uploaded image, a network with a subnet and a port."""
    unlimited(c)
    project = ok(c.post("/identity/v3/projects", json={"project": {"name": "ops-p"}}))["project"]
    ok(c.post("/identity/v3/users", json={"user": {
        "name": "ops-u", "password": "secret-ops", "default_project_id": project["id"]}}))
    img = ok(c.post("/image/v2/images", json={
        "name": "ops-img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}))
    ok(c.put(f"/image/v2/images/{img['id']}/file", content=image_data,
             headers={"Content-Type": "application/octet-stream"}))
    net = ok(c.post("/networking/v2.0/networks", json={"network": {"name": "ops-net"}}))
    net = net["network"]
    ok(c.post("/networking/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "192.168.77.0/24", "ip_version": 4,
        "name": "ops-sub"}}))
    port = ok(c.post("/networking/v2.0/ports", json={"port": {
        "network_id": net["id"], "name": "ops-port"}}))["port"]
    return {"project": project["id"], "image": img["id"], "network": net["id"],
            "port": port["id"]}


def boot(c: httpx.Client, name: str, image: str, network: str) -> str:
    body = ok(c.post("/compute/v2.1/servers", json={"server": {
        "name": name, "imageRef": image, "flavorRef": "42",
        "networks": [{"uuid": network}]}}), 202)
    return str(body["server"]["id"])


def wait_settled(c: httpx.Client, timeout: float = 120) -> list[dict[str, Any]]:
    """Every server ACTIVE or ERROR (the test fails on a timeout, not on a speed)."""
    deadline = time.monotonic() + timeout
    while True:
        servers = ok(c.get("/compute/v2.1/servers/detail"))["servers"]
        if all(s["status"] in ("ACTIVE", "ERROR") for s in servers):
            return list(servers)
        assert time.monotonic() < deadline, [s["status"] for s in servers]
        time.sleep(0.2)


SERVER_FIELDS = ("id", "name", "status", "tenant_id", "user_id", "addresses", "metadata",
                 "created", "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:instance_name")


def server_record(s: dict[str, Any]) -> dict[str, Any]:
    """A server's record without the links (they name the port the cloud listens on)."""
    return {**{k: s.get(k) for k in SERVER_FIELDS}, "flavor": s["flavor"]["id"],
            "image": s["image"]["id"]}


def snapshot(c: httpx.Client) -> dict[str, Any]:
    """What must come back after a restore, in a comparable form."""
    def by_id(items: list[dict[str, Any]], drop: tuple[str, ...] = ()) -> dict[str, Any]:
        return {i["id"]: {k: v for k, v in i.items() if k not in drop} for i in items}
    return {
        "users": by_id(ok(c.get("/identity/v3/users"))["users"], ("links",)),
        "projects": by_id(ok(c.get("/identity/v3/projects"))["projects"], ("links",)),
        "images": by_id(ok(c.get("/image/v2/images"))["images"]),
        "networks": by_id(ok(c.get("/networking/v2.0/networks"))["networks"]),
        "subnets": by_id(ok(c.get("/networking/v2.0/subnets"))["subnets"]),
        "ports": by_id(ok(c.get("/networking/v2.0/ports"))["ports"]),
        "servers": {s["id"]: server_record(s)
                    for s in ok(c.get("/compute/v2.1/servers/detail"))["servers"]},
    }
