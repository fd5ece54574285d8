"""Schemathesis fuzzes every operation of every service's OpenAPI document (served at
<prefix>/openapi.json) against the in-process app with the admin's token: no 5xx, every 4xx in
the service's own fault format, every response valid against its schema where it has one."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from nubo.compute.api.openapi import SPEC as COMPUTE
from nubo.core.openapi import Spec, document, openapi_schema
from nubo.identity.openapi import SPEC as IDENTITY
from nubo.image.openapi import SPEC as IMAGE
from nubo.network.api.openapi import SPEC as NETWORK
from nubo.placement.openapi import SPEC as PLACEMENT
from nubo.roles.all_in_one import AllInOne
from nubo.volume.api.openapi import SPEC as VOLUME
from tests.api.compute_schemas import tempest
from tests.conftest import BASE, make_settings

#: SQLAlchemy's warnings (a NULL primary key looked up...) are errors to come: 500s here
pytestmark = pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")

#: examples per operation: 6 services, ~470 operations, in about three minutes on 2 cores
EXAMPLES = int(os.environ.get("NUBO_FUZZ_EXAMPLES", "4"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

#: (service, status) -> requests sent, printed at the end of the run (pytest -s)
RUN: Counter[tuple[str, int]] = Counter()

#: Schemathesis' examples and fuzzing phases; its coverage phase (every boundary value and
#: unexpected method of every operation, ~100 cases each) is out of a CI time budget.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})

#: Operations left out, each with its reason. None needs to be for the admin's sake: path
#: ids are fuzzed or the fuzz's own resources (never for DELETE), the admin's project, user
#: and domain are never in the pool, and revoking a token needs an X-Subject-Token header
#: that the documents do not declare; the fixture checks the admin's token still works.
EXCLUDED: dict[tuple[str, str], str] = {}


@schemathesis.serializer("application/openstack-images-v2.1-json-patch")
def _json_patch(ctx: Any, value: Any) -> bytes:
    """Glance's PATCH media type is JSON."""
    return json.dumps(value).encode()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    loop = asyncio.new_event_loop()
    node = AllInOne(make_settings(tmp_path_factory.mktemp("openapi")))
    loop.run_until_complete(node.start())
    loop.run_until_complete(node.converged())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url=BASE)
    r = loop.run_until_complete(client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}))
    token = r.headers["x-subject-token"]
    pool = loop.run_until_complete(_seed(client, {"X-Auth-Token": token}))
    yield {"loop": loop, "client": client, "token": token, "pool": pool}
    # the run must not have broken the admin's own token, project or user
    check = loop.run_until_complete(client.get(
        "/identity/v3/auth/tokens", headers={"X-Auth-Token": r.headers["x-subject-token"],
                                             "X-Subject-Token": r.headers["x-subject-token"]}))
    for svc in sorted({s for s, _ in RUN}):
        codes = {c: n for (s, c), n in sorted(RUN.items()) if s == svc}
        print(f"\nopenapi fuzz {svc}: {sum(codes.values())} requests, by status {codes}")
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(node.stop())
    loop.close()
    assert check.status_code == 200, check.text


#: Resources of the fuzz's own (never the admin's project, user or domain) whose ids stand in
#: for half of the path parameters, so that bodies reach the code behind the 404s.
SEED: list[tuple[str, str, dict[str, Any]]] = [
    ("/identity/v3/domains", "domain", {"name": "fuzz-d", "enabled": False}),
    ("/identity/v3/projects", "project", {"name": "fuzz-p", "domain_id": "default"}),
    ("/identity/v3/users", "user", {"name": "fuzz-u", "domain_id": "default"}),
    ("/identity/v3/groups", "group", {"name": "fuzz-g", "domain_id": "default"}),
    ("/identity/v3/roles", "role", {"name": "fuzz-r"}),
    ("/identity/v3/regions", "region", {"id": "fuzz-region"}),
    ("/identity/v3/services", "service", {"type": "fuzz", "name": "fuzz"}),
    ("/networking/v2.0/networks", "network", {"name": "fuzz-n"}),
    ("/networking/v2.0/routers", "router", {"name": "fuzz-r"}),
    ("/networking/v2.0/security-groups", "security_group", {"name": "fuzz-sg"}),
    ("/compute/v2.1/flavors", "flavor", {"name": "fuzz-f", "ram": 64, "vcpus": 1,
                                         "disk": 1}),
    ("/compute/v2.1/os-keypairs", "keypair", {"name": "fuzz-k"}),
    ("/compute/v2.1/os-server-groups", "server_group", {"name": "fuzz-sg",
                                                        "policies": ["affinity"]}),
    ("/compute/v2.1/os-aggregates", "aggregate", {"name": "fuzz-a"}),
    ("/image/v2/images", "", {"name": "fuzz-i", "disk_format": "raw",
                              "container_format": "bare"}),
    ("/placement/resource_providers", "", {"name": "fuzz-rp"}),
]


async def _seed(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, list[str]]:
    """Create the fuzz's resources; the pool maps a collection's path segment to their ids."""
    pool: dict[str, list[str]] = {}
    pv = {"OpenStack-API-Version": "placement latest"}
    for url, key, attrs in SEED:
        r = await client.post(url, json={key: attrs} if key else attrs, headers={**h, **pv})
        assert r.status_code < 300, (url, r.text)
        obj = r.json()[key] if key else r.json()
        ident = obj.get("id") or obj.get("uuid") or obj.get("name")
        pool.setdefault(url.rsplit("/", 1)[1], []).append(str(ident))
    net = pool["networks"][0]
    for url, key, attrs in [
            ("/networking/v2.0/subnets", "subnet", {"network_id": net, "ip_version": 4,
                                                   "cidr": "10.77.0.0/24"}),
            ("/networking/v2.0/ports", "port", {"network_id": net})]:
        r = await client.post(url, json={key: attrs}, headers=h)
        assert r.status_code == 201, r.text
        pool.setdefault(url.rsplit("/", 1)[1], []).append(r.json()[key]["id"])
    pool["resource_classes"] = ["CUSTOM_FUZZ"]
    pool["traits"] = ["CUSTOM_FUZZ"]
    return pool


def _with_pool_ids(case: Any, pool: dict[str, list[str]]) -> None:
    """For half of the cases (by the case's id, so a failure replays), path parameters that
    follow a pooled collection (`/networks/{network_id}`) become a real id. Not for DELETE:
    the pool stays for the rest of the run."""
    rnd = random.Random(case.id)
    if case.method == "DELETE" or not case.path_parameters or rnd.random() < 0.5:
        return
    words = case.path.split("/")
    for i, word in enumerate(words):
        name = word[1:-1] if word.startswith("{") else None
        if name and i and words[i - 1] in pool and name in case.path_parameters:
            case.path_parameters[name] = rnd.choice(pool[words[i - 1]])


# ------------------------------------------------------------------ fault formats

def _json(r: httpx.Response) -> Any:
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    return orjson.loads(r.content)


def nova_fault(r: httpx.Response) -> None:
    (_key, fault), = _json(r).items()
    assert fault["code"] == r.status_code and isinstance(fault["message"], str)


def keystone_fault(r: httpx.Response) -> None:
    e = _json(r)["error"]
    assert e["code"] == r.status_code and e["title"] and isinstance(e["message"], str)


def neutron_fault(r: httpx.Response) -> None:
    e = _json(r)["NeutronError"]
    assert e["type"] and isinstance(e["message"], str) and e["detail"] == ""


def placement_fault(r: httpx.Response) -> None:
    e, = _json(r)["errors"]
    assert e["status"] == r.status_code and e["title"] and e["code"].startswith("placement.")


def glance_fault(r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("text/plain"), r.headers
    assert r.text.startswith(f"{r.status_code} "), r.text


FAULT_CHECKS = {"nova": nova_fault, "keystone": keystone_fault, "neutron": neutron_fault,
                "placement": placement_fault, "glance": glance_fault}


# ------------------------------------------------------------------ the run

def _headers(spec: Spec, case: Any, token: str) -> dict[str, str]:
    headers = {"X-Auth-Token": token}
    if spec.versions is not None:
        mv = case.operation.definition.raw.get("x-openstack-microversion") or {}
        headers["OpenStack-API-Version"] = (
            f"{spec.versions.service_type} {mv.get('max') or 'latest'}")
    return headers


def _send(env: dict[str, Any], spec: Spec, case: Any) -> httpx.Response:
    _with_pool_ids(case, env["pool"])
    kw = case.as_transport_kwargs(base_url=BASE)
    # always the admin's token: schemathesis also drops the security header now and then
    headers = {**kw.get("headers", {}), **_headers(spec, case, env["token"])}
    body = kw.pop("json", None)
    data = kw.pop("data", None)
    # stdlib json: fuzzed integers may be past 64 bits, which orjson refuses to write
    content = json.dumps(body) if body is not None else data
    if content is not None and not isinstance(content, (bytes, str)):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()

    async def go() -> httpx.Response:
        return await env["client"].request(kw["method"], kw["url"], params=kw.get("params"),
                                           headers=headers, content=content)
    r: httpx.Response = env["loop"].run_until_complete(go())
    return r


def _verify(spec: Spec, case: Any, r: httpx.Response) -> None:
    where = f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}"
    assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:500]}"
    if 400 <= r.status_code < 500 and case.method != "HEAD":
        try:
            FAULT_CHECKS[spec.style](r)
        except (AssertionError, KeyError, ValueError, TypeError) as exc:
            raise AssertionError(f"{where}: {r.status_code} not a {spec.style} fault: "
                                 f"{r.headers.get('content-type')} {r.text[:300]}") from exc
    case.validate_response(r, checks=[not_a_server_error, response_schema_conformance])


#: Compute's success responses at 2.1, validated against Tempest's schemas (Nubo declares no
#: compute response schemas of its own); these operations are fuzzed at 2.1.
TEMPEST: dict[tuple[str, str], tuple[str, str]] = {
    ("get", "/v2.1/flavors"): ("flavors", "list_flavors"),
    ("get", "/v2.1/flavors/detail"): ("flavors", "list_flavors_details"),
    ("get", "/v2.1/flavors/{flavor_id}"): ("flavors", "create_update_get_flavor_details"),
    ("get", "/v2.1/os-keypairs"): ("keypairs", "list_keypairs"),
    ("get", "/v2.1/os-keypairs/{name}"): ("keypairs", "get_keypair"),
    ("get", "/v2.1/os-server-groups"): ("server_groups", "list_server_groups"),
    ("get", "/v2.1/os-server-groups/{group_id}"): ("server_groups",
                                                    "create_show_server_group"),
    ("get", "/v2.1/os-aggregates"): ("aggregates", "list_aggregates"),
    ("get", "/v2.1/os-aggregates/{aggregate_id}"): ("aggregates", "get_aggregate"),
    ("get", "/v2.1/limits"): ("limits", "get_limit"),
    ("get", "/v2.1/servers"): ("servers", "list_servers"),
    ("get", "/v2.1/servers/detail"): ("servers", "list_servers_detail"),
    ("get", "/v2.1/os-quota-sets/{project_id}"): ("quotas", "get_quota_set"),
    ("get", "/v2.1/os-quota-sets/{project_id}/detail"): ("quotas", "get_quota_set_details"),
    ("get", "/v2.1/os-quota-class-sets/{class_name}"): ("quota_classes",
                                                         "get_quota_class_set"),
    ("get", "/v2.1/os-migrations"): ("migrations", "list_migrations"),
    ("get", "/v2.1/os-services"): ("services", "list_services"),
    ("get", "/v2.1/servers/{server_id}/os-interface"): ("interfaces", "list_interfaces"),
}


def _with_tempest(spec: Spec, doc: dict[str, Any]) -> dict[str, Any]:
    if spec is not COMPUTE:
        return doc
    for (method, path), (module, name) in TEMPEST.items():
        try:
            schema = tempest(module, name)
        except pytest.skip.Exception:   # no Tempest: compute's responses go unvalidated
            return doc
        op = doc["paths"][spec.prefix + path][method]
        op["x-openstack-microversion"] = {"min": None, "max": "2.1"}
        for code in schema["status_code"]:
            op["responses"][str(code)] = {"description": "Tempest's", "content": {
                "application/json": {"schema": openapi_schema(schema["response_body"])}}}
    return doc


def _fuzz_test(spec: Spec) -> Any:
    doc = _with_tempest(spec, document(spec))
    schema = schemathesis.openapi.from_dict(doc, config=CONFIG)
    schema = schema.exclude(func=lambda ctx: (ctx.operation.method.upper(),
                                              ctx.operation.path) in EXCLUDED)

    @schema.parametrize()
    @FUZZ
    def test(env: dict[str, Any], case: Any) -> None:
        r = _send(env, spec, case)
        RUN[spec.name, r.status_code] += 1
        _verify(spec, case, r)
    return test


test_identity = _fuzz_test(IDENTITY)
test_placement = _fuzz_test(PLACEMENT)
test_image = _fuzz_test(IMAGE)
test_compute = _fuzz_test(COMPUTE)
test_network = _fuzz_test(NETWORK)
test_volume = _fuzz_test(VOLUME)


@pytest.mark.parametrize("spec", [IDENTITY, IMAGE, COMPUTE, PLACEMENT, NETWORK, VOLUME],
                         ids=lambda s: s.name)
def test_document_is_served_without_a_token(env: dict[str, Any], spec: Spec) -> None:
    r = env["loop"].run_until_complete(env["client"].get(f"{spec.prefix}/openapi.json"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json() == orjson.loads(orjson.dumps(document(spec)))
