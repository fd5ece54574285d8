"""Credentials, stored policies, endpoint groups, OAuth consumers, projects acting as domains,
domain-specific roles: the Keystone behaviour Tempest's identity tests expect."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from nubo.identity import models as m
from tests.conftest import Api


def ec2_blob(access: str, secret: str = "s3cr3t", **more: Any) -> str:
    return json.dumps({"access": access, "secret": secret, **more})


async def ids(api: Api) -> tuple[str, str]:
    """The admin's user id and project id."""
    body = await api.ok("GET", "/v3/auth/tokens",
                        headers={"X-Subject-Token": api.admin_token})
    return body["token"]["user"]["id"], body["token"]["project"]["id"]


# ------------------------------------------------------------------------------ credentials


async def test_credential_crud_and_ec2_rules(api: Api) -> None:
    uid, pid = await ids(api)
    cred = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid, "blob": ec2_blob("AK1"),
        "label": "ci"}}))["credential"]
    # an ec2 credential is named after its access key, and keeps extra attributes
    assert cred["id"] == hashlib.sha256(b"AK1").hexdigest()
    assert cred["label"] == "ci" and json.loads(cred["blob"])["access"] == "AK1"
    assert cred["links"]["self"].endswith(f"/v3/credentials/{cred['id']}")
    # one access key, one credential
    await api.ok("POST", "/v3/credentials", 409, json={"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid, "blob": ec2_blob("AK1")}})

    updated = (await api.ok("PATCH", f"/v3/credentials/{cred['id']}", json={"credential": {
        "blob": ec2_blob("AK1-new", "other")}}))["credential"]
    assert json.loads(updated["blob"]) == {"access": "AK1-new", "secret": "other"}
    shown = (await api.ok("GET", f"/v3/credentials/{cred['id']}"))["credential"]
    assert shown == updated
    listed = (await api.ok("GET", f"/v3/credentials?user_id={uid}&type=ec2"))["credentials"]
    assert [c["id"] for c in listed] == [cred["id"]]
    assert (await api.ok("GET", "/v3/credentials?type=cert"))["credentials"] == []

    await api.ok("DELETE", f"/v3/credentials/{cred['id']}", 204)
    await api.ok("GET", f"/v3/credentials/{cred['id']}", 404)
    await api.ok("DELETE", f"/v3/credentials/{cred['id']}", 404)


async def test_credential_bad_input_is_a_400(api: Api) -> None:
    uid, pid = await ids(api)

    async def refused(status: int, body: Any) -> str:
        r = await api.ok("POST", "/v3/credentials", status, json=body)
        return str(r["error"]["message"])

    assert "project_id" in await refused(400, {"credential": {
        "type": "ec2", "user_id": uid, "blob": ec2_blob("x")}})
    assert "JSON" in await refused(400, {"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid, "blob": "not json"}})
    assert "access" in await refused(400, {"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid, "blob": '{"secret": "x"}'}})
    await refused(400, {"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid, "blob": "[1, 2]"}})
    await refused(400, {"credential": {"type": "totp", "user_id": uid}})
    await refused(400, {"credential": {"type": "totp", "user_id": uid, "blob": 7}})
    await refused(400, {"credential": "nope"})
    await refused(404, {"credential": {"type": "totp", "user_id": "ghost", "blob": "x"}})
    await refused(404, {"credential": {"type": "totp", "user_id": uid, "project_id": "ghost",
                                       "blob": "x"}})
    cred = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid,
        "blob": ec2_blob("AK2", app_cred_id="abc")}}))["credential"]
    path = f"/v3/credentials/{cred['id']}"
    await api.ok("PATCH", path, 400, json={"credential": {}})
    await api.ok("PATCH", path, 400, json={"credential": {"project_id": None}})
    # the delegation an ec2 blob is bound to cannot be changed
    r = await api.ok("PATCH", path, 400, json={"credential": {"blob": ec2_blob("AK2")}})
    assert "app_cred_id" in r["error"]["message"]
    # a non-ec2 credential may become one only with a valid ec2 blob
    other = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "totp", "user_id": uid, "blob": "seed"}}))["credential"]
    await api.ok("PATCH", f"/v3/credentials/{other['id']}", 400, json={"credential": {
        "type": "ec2", "project_id": pid}})


async def test_credential_blob_is_encrypted_at_rest(api: Api) -> None:
    uid, pid = await ids(api)
    cred = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "ec2", "user_id": uid, "project_id": pid,
        "blob": ec2_blob("AK3", "very-secret-key")}}))["credential"]
    async with api.node.controller.db.read() as s:
        row = await s.get(m.Credential, cred["id"])
    assert row is not None and "very-secret-key" not in row.encrypted_blob
    assert (api.node.settings.data_dir / "keys" / "credential").is_dir()


async def test_users_manage_only_their_own_credentials(api: Api) -> None:
    admin_id, admin_project = await ids(api)
    alice = await api.make_user("alice", "pw", project="demo")
    demo = await api.project_id("demo")
    tok = await api.token("alice", "pw", "demo")
    mine = (await api.ok("POST", "/v3/credentials", 201, token=tok, json={"credential": {
        "type": "ec2", "user_id": alice["id"], "project_id": demo,
        "blob": ec2_blob("ALICE")}}))["credential"]
    await api.ok("POST", "/v3/credentials", 403, token=tok, json={"credential": {
        "type": "ec2", "user_id": admin_id, "project_id": admin_project,
        "blob": ec2_blob("NOT-ALICE")}})
    theirs = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "totp", "user_id": admin_id, "blob": "seed"}}))["credential"]

    seen = (await api.ok("GET", "/v3/credentials", token=tok))["credentials"]
    assert [c["id"] for c in seen] == [mine["id"]]
    await api.ok("GET", f"/v3/credentials/{theirs['id']}", 403, token=tok)
    await api.ok("DELETE", f"/v3/credentials/{theirs['id']}", 403, token=tok)
    # nor can a credential be handed to somebody else
    await api.ok("PATCH", f"/v3/credentials/{mine['id']}", 403, token=tok,
                 json={"credential": {"user_id": admin_id}})
    await api.ok("PATCH", f"/v3/credentials/{mine['id']}", token=tok,
                 json={"credential": {"blob": ec2_blob("ALICE", "rotated")}})
    # the admin sees everything
    every = (await api.ok("GET", "/v3/credentials"))["credentials"]
    assert {mine["id"], theirs["id"]} <= {c["id"] for c in every}


async def test_credentials_go_with_their_user_and_project(api: Api) -> None:
    bob = await api.make_user("bob")
    proj = await api.make_project("bobs")
    on_project = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "ec2", "user_id": bob["id"], "project_id": proj["id"],
        "blob": ec2_blob("BOB1")}}))["credential"]
    of_user = (await api.ok("POST", "/v3/credentials", 201, json={"credential": {
        "type": "totp", "user_id": bob["id"], "blob": "seed"}}))["credential"]
    await api.ok("DELETE", f"/v3/projects/{proj['id']}", 204)
    await api.ok("GET", f"/v3/credentials/{on_project['id']}", 404)
    await api.ok("GET", f"/v3/credentials/{of_user['id']}")
    await api.ok("DELETE", f"/v3/users/{bob['id']}", 204)
    await api.ok("GET", f"/v3/credentials/{of_user['id']}", 404)

# ------------------------------------------------------------------------------ policies


async def test_policy_blobs_crud_admin_only(api: Api) -> None:
    p = (await api.ok("POST", "/v3/policies", 201, json={"policy": {
        "blob": '{"a": "b"}', "type": "application/json", "note": "x"}}))["policy"]
    assert p["blob"] == '{"a": "b"}' and p["note"] == "x"
    updated = (await api.ok("PATCH", f"/v3/policies/{p['id']}", json={"policy": {
        "type": "text/plain"}}))["policy"]
    assert updated["type"] == "text/plain" and updated["blob"] == p["blob"]
    assert (await api.ok("GET", f"/v3/policies/{p['id']}"))["policy"] == updated
    listed = (await api.ok("GET", "/v3/policies?type=text/plain"))["policies"]
    assert [x["id"] for x in listed] == [p["id"]]
    await api.ok("POST", "/v3/policies", 400, json={"policy": {"blob": "x"}})
    await api.ok("PATCH", f"/v3/policies/{p['id']}", 400, json={"policy": {}})
    await api.make_user("carol", "pw", project="demo")
    tok = await api.token("carol", "pw", "demo")
    await api.ok("GET", "/v3/policies", 403, token=tok)
    await api.ok("POST", "/v3/policies", 403, token=tok,
                 json={"policy": {"blob": "x", "type": "t"}})
    await api.ok("DELETE", f"/v3/policies/{p['id']}", 204)
    await api.ok("GET", f"/v3/policies/{p['id']}", 404)

# ------------------------------------------------------------------------------ endpoint groups


async def test_endpoint_groups_crud(api: Api) -> None:
    svc = (await api.ok("POST", "/v3/services", 201, json={"service": {
        "type": "thing"}}))["service"]
    g = (await api.ok("POST", "/v3/OS-EP-FILTER/endpoint_groups", 201, json={
        "endpoint_group": {"name": "g1", "description": "d",
                           "filters": {"service_id": svc["id"]}}}))["endpoint_group"]
    assert g["filters"] == {"service_id": svc["id"]}
    path = f"/v3/OS-EP-FILTER/endpoint_groups/{g['id']}"
    assert g["links"]["self"].endswith(path)
    assert g in (await api.ok("GET", "/v3/OS-EP-FILTER/endpoint_groups"))["endpoint_groups"]
    assert (await api.req("HEAD", path)).status_code == 200
    updated = (await api.ok("PATCH", path, json={"endpoint_group": {
        "name": "g2", "filters": {"interface": "public"}}}))["endpoint_group"]
    assert updated["name"] == "g2" and updated["filters"] == {"interface": "public"}
    found = (await api.ok("GET", "/v3/OS-EP-FILTER/endpoint_groups?name=g2"))
    assert [x["id"] for x in found["endpoint_groups"]] == [g["id"]]
    for bad in ({"name": "x", "filters": {}}, {"name": "x", "filters": {"enabled": True}},
                {"name": "x", "filters": {"interface": "sideways"}}, {"name": "x"},
                {"filters": {"interface": "public"}}, {"name": "x", "extra": 1,
                                                       "filters": {"interface": "public"}}):
        await api.ok("POST", "/v3/OS-EP-FILTER/endpoint_groups", 400,
                     json={"endpoint_group": bad})
    await api.ok("DELETE", path, 204)
    await api.ok("GET", path, 404)

# ------------------------------------------------------------------------------ consumers


async def test_oauth_consumers_crud_secret_shown_once(api: Api) -> None:
    c = (await api.ok("POST", "/v3/OS-OAUTH1/consumers", 201, json={"consumer": {
        "description": "ci", "secret": "chosen-by-client"}}))["consumer"]
    secret = c["secret"]
    assert secret and secret != "chosen-by-client"
    path = f"/v3/OS-OAUTH1/consumers/{c['id']}"
    shown = (await api.ok("GET", path))["consumer"]
    assert "secret" not in shown and shown["description"] == "ci"
    listed = (await api.ok("GET", "/v3/OS-OAUTH1/consumers"))["consumers"]
    assert [x["id"] for x in listed] == [c["id"]] and "secret" not in listed[0]
    async with api.node.controller.db.read() as s:
        row = (await s.execute(select(m.OAuthConsumer))).scalars().one()
    assert secret not in row.encrypted_secret
    await api.ok("PATCH", path, json={"consumer": {"description": "new"}})
    assert (await api.ok("GET", path))["consumer"]["description"] == "new"
    r = await api.ok("PATCH", path, 400, json={"consumer": {"secret": "x"}})
    assert "secret" in r["error"]["message"]
    await api.ok("DELETE", path, 204)
    await api.ok("GET", path, 404)

# ------------------------------------------------------------------------------ domains


async def test_domain_name_at_most_64_characters(api: Api) -> None:
    await api.ok("POST", "/v3/domains", 400, json={"domain": {"name": "d" * 65}})
    await api.ok("POST", "/v3/domains", 201, json={"domain": {"name": "d" * 64}})


async def test_projects_acting_as_domains(api: Api) -> None:
    p = (await api.ok("POST", "/v3/projects", 201, json={"project": {
        "name": "tenant-co", "is_domain": True, "domain_id": None}}))["project"]
    assert p["is_domain"] is True and p["domain_id"] is None and p["parent_id"] is None
    # it is a domain
    assert (await api.ok("GET", f"/v3/domains/{p['id']}"))["domain"]["name"] == "tenant-co"
    as_domains = (await api.ok("GET", "/v3/projects?is_domain=true"))["projects"]
    assert p["id"] in {x["id"] for x in as_domains}
    assert all(x["is_domain"] for x in as_domains)
    plain = (await api.ok("GET", "/v3/projects"))["projects"]
    assert p["id"] not in {x["id"] for x in plain}
    assert (await api.ok("GET", f"/v3/projects/{p['id']}"))["project"] == p
    # only root projects act as domains
    await api.ok("POST", "/v3/projects", 400, json={"project": {
        "name": "nested", "is_domain": True, "domain_id": "default"}})
    await api.ok("PATCH", f"/v3/projects/{p['id']}", 400, json={"project": {
        "is_domain": False}})
    await api.ok("GET", "/v3/projects?is_domain=maybe", 400)
    # an enabled domain cannot go; disabled through the project API, it can
    await api.ok("DELETE", f"/v3/projects/{p['id']}", 403)
    off = (await api.ok("PATCH", f"/v3/projects/{p['id']}", json={"project": {
        "enabled": False}}))["project"]
    assert off["enabled"] is False and off["is_domain"] is True
    await api.ok("DELETE", f"/v3/projects/{p['id']}", 204)
    await api.ok("GET", f"/v3/domains/{p['id']}", 404)

# ------------------------------------------------------------------------------ catalog


async def test_endpoint_update_with_legacy_region_creates_it(api: Api) -> None:
    svc = (await api.ok("POST", "/v3/services", 201, json={"service": {
        "type": "thing"}}))["service"]
    ep = (await api.ok("POST", "/v3/endpoints", 201, json={"endpoint": {
        "service_id": svc["id"], "interface": "public", "url": "http://a.example/",
        "region": "legacy-1"}}))["endpoint"]
    await api.ok("GET", "/v3/regions/legacy-1")
    moved = (await api.ok("PATCH", f"/v3/endpoints/{ep['id']}", json={"endpoint": {
        "region": "legacy-2"}}))["endpoint"]
    assert moved["region_id"] == "legacy-2"
    await api.ok("GET", "/v3/regions/legacy-2")
    # region_id names an existing region, and is never made up
    await api.ok("PATCH", f"/v3/endpoints/{ep['id']}", 404, json={"endpoint": {
        "region_id": "nowhere"}})

# ------------------------------------------------------------------------------ roles


async def test_domain_specific_roles(api: Api) -> None:
    dom = (await api.ok("POST", "/v3/domains", 201, json={"domain": {"name": "acme"}}))
    did = dom["domain"]["id"]
    proj = (await api.ok("POST", "/v3/projects", 201, json={"project": {
        "name": "acme-p", "domain_id": did}}))["project"]
    user = await api.make_user("dave", "pw")
    global_role = (await api.ok("POST", "/v3/roles", 201, json={"role": {
        "name": "viewer"}}))["role"]
    dom_role = (await api.ok("POST", "/v3/roles", 201, json={"role": {
        "name": "acme-viewer", "domain_id": did}}))["role"]

    # a global role cannot imply a domain-specific one; no role may imply admin
    await api.ok("PUT", f"/v3/roles/{global_role['id']}/implies/{dom_role['id']}", 403)
    admin = await api.role_id("admin")
    await api.ok("PUT", f"/v3/roles/{global_role['id']}/implies/{admin}", 403)
    await api.ok("PUT", f"/v3/roles/{dom_role['id']}/implies/{global_role['id']}", 201)

    # granted only inside its own domain
    await api.ok("PUT", f"/v3/projects/{await api.project_id('demo')}/users/{user['id']}"
                        f"/roles/{dom_role['id']}", 403)
    await api.ok("PUT", f"/v3/projects/{proj['id']}/users/{user['id']}/roles/{dom_role['id']}",
                 204)
    q = f"/v3/role_assignments?effective&user.id={user['id']}&scope.project.id={proj['id']}"
    effective = (await api.ok("GET", q))["role_assignments"]
    # only what it implies is effective, and reaches the token
    assert [a["role"]["id"] for a in effective] == [global_role["id"]]
    direct = (await api.ok("GET", q.replace("effective&", "")))["role_assignments"]
    assert [a["role"]["id"] for a in direct] == [dom_role["id"]]
    tok = await api.token("dave", "pw", scope={"project": {"id": proj["id"]}})
    body = await api.ok("GET", "/v3/auth/tokens", headers={"X-Subject-Token": tok})
    assert [r["id"] for r in body["token"]["roles"]] == [global_role["id"]]
