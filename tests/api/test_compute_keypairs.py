"""Key pairs as Nova serves them at 2.1: generated and imported keys, Nova's fingerprint,
names, per-user ownership, quota, and the lookup server create uses."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.api.compute_schemas import check
from tests.conftest import Api

C = "/compute/v2.1"


def ssh_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode() + " me@host"


def md5_fingerprint(public_key: str) -> str:
    raw = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))


async def test_generate_show_list_delete(api: Api) -> None:
    r = await api.req("POST", f"{C}/os-keypairs", json={"keypair": {"name": "gen"}})
    assert r.status_code == 200
    body = r.json()
    check("keypairs", "create_keypair", body, 200)
    kp = body["keypair"]
    assert kp["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert kp["public_key"].startswith("ssh-rsa ") and kp["public_key"].endswith(
        " Generated-by-Nova")
    assert kp["fingerprint"] == md5_fingerprint(kp["public_key"])
    private = serialization.load_pem_private_key(kp["private_key"].encode(), None)
    assert private.public_key().key_size == 2048  # type: ignore[union-attr]
    shown = await api.ok("GET", f"{C}/os-keypairs/gen")
    check("keypairs", "get_keypair", shown, 200)
    assert "private_key" not in shown["keypair"] and shown["keypair"]["deleted"] is False
    listed = await api.ok("GET", f"{C}/os-keypairs")
    check("keypairs", "list_keypairs", listed, 200)
    assert [k["keypair"]["name"] for k in listed["keypairs"]] == ["gen"]
    r = await api.req("DELETE", f"{C}/os-keypairs/gen")
    assert r.status_code == 202 and r.content == b""
    r = await api.req("GET", f"{C}/os-keypairs/gen")
    assert r.status_code == 404 and "Keypair gen not found for user" in r.text
    assert (await api.req("DELETE", f"{C}/os-keypairs/gen")).status_code == 404


async def test_import(api: Api) -> None:
    pub = ssh_key()
    body = await api.ok("POST", f"{C}/os-keypairs",
                        json={"keypair": {"name": "my key_1-x", "public_key": pub}})
    check("keypairs", "create_keypair", body, 200)
    assert "private_key" not in body["keypair"]
    assert body["keypair"]["public_key"] == pub
    assert body["keypair"]["fingerprint"] == md5_fingerprint(pub)


@pytest.mark.parametrize(("body", "status", "fragment"), [
    ({"keypair": {"name": "bad!name"}}, 400, "does not match"),
    ({"keypair": {"name": ""}}, 400, "name"),
    ({"keypair": {"name": " lead"}}, 400, "Can not start or end with whitespace"),
    ({"keypair": {"name": "x" * 256}}, 400, "name"),
    ({"keypair": {"name": "k", "public_key": "ssh-rsa not-base64"}}, 400,
     "Keypair data is invalid: failed to generate fingerprint"),
    ({"keypair": {"name": "k", "public_key": ""}}, 400, "failed to generate fingerprint"),
    ({"keypair": {"name": "k", "type": "x509"}}, 400, "Additional properties"),
    ({"keypair": {"public_key": "x"}}, 400, "'name' is a required property"),
    ({}, 400, "'keypair' is a required property"),
])
async def test_bad_input(api: Api, body: dict[str, object], status: int,
                         fragment: str) -> None:
    r = await api.req("POST", f"{C}/os-keypairs", json=body)
    assert r.status_code == status, r.text
    assert fragment in r.json()["badRequest"]["message"]
    assert (await api.ok("GET", f"{C}/os-keypairs"))["keypairs"] == []


async def test_duplicate_is_409(api: Api) -> None:
    await api.ok("POST", f"{C}/os-keypairs", json={"keypair": {"name": "k"}})
    r = await api.req("POST", f"{C}/os-keypairs",
                      json={"keypair": {"name": "k", "public_key": ssh_key()}})
    assert r.status_code == 409
    assert r.json() == {"conflictingRequest": {"code": 409,
                                               "message": "Key pair 'k' already exists."}}


async def test_keypairs_belong_to_their_user(api: Api) -> None:
    await api.make_user("alice", "pw", project="demo")
    await api.make_user("bob", "pw", project="demo")
    alice, bob = await api.token("alice", "pw", "demo"), await api.token("bob", "pw", "demo")
    await api.ok("POST", f"{C}/os-keypairs", token=alice, json={"keypair": {"name": "k"}})
    assert (await api.ok("GET", f"{C}/os-keypairs", token=bob))["keypairs"] == []
    assert (await api.req("GET", f"{C}/os-keypairs/k", bob)).status_code == 404
    assert (await api.req("DELETE", f"{C}/os-keypairs/k", bob)).status_code == 404
    # the same name for another user is fine
    await api.ok("POST", f"{C}/os-keypairs", token=bob, json={"keypair": {"name": "k"}})
    assert (await api.ok("GET", f"{C}/os-keypairs/k", token=alice))["keypair"]["user_id"] \
        != (await api.ok("GET", f"{C}/os-keypairs/k", token=bob))["keypair"]["user_id"]


async def test_quota(api: Api) -> None:
    pid = await api.project_id("admin")
    await api.ok("PUT", f"{C}/os-quota-sets/{pid}", json={"quota_set": {"key_pairs": 1}})
    await api.ok("POST", f"{C}/os-keypairs", json={"keypair": {"name": "one"}})
    r = await api.req("POST", f"{C}/os-keypairs", json={"keypair": {"name": "two"}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Quota exceeded, too many key pairs."
    assert len((await api.ok("GET", f"{C}/os-keypairs"))["keypairs"]) == 1


async def test_get_for_servers(api: Api) -> None:
    from nubo.core.context import RequestContext
    from nubo.core.errors import BadRequest

    body = await api.ok("POST", f"{C}/os-keypairs", json={"keypair": {"name": "boot"}})
    user_id = body["keypair"]["user_id"]
    keypairs = api.node.controller.compute.keypairs
    ctx = RequestContext(request_id="r", user_id=user_id, project_id="p")
    assert (await keypairs.get_for(ctx, "boot")).public_key == body["keypair"]["public_key"]
    with pytest.raises(BadRequest, match="Invalid key_name provided."):
        await keypairs.get_for(ctx, "missing")
    other = RequestContext(request_id="r", user_id="someone-else", project_id="p")
    with pytest.raises(BadRequest):
        await keypairs.get_for(other, "boot")
