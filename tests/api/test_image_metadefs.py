"""Glance v2 metadata definitions: namespaces and what they hold, resource types, who sees
what, and bad input."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from jsonschema import Draft4Validator

from nubo.image.metadefs import schemas
from tests.conftest import Api

MD = "/image/v2/metadefs"
NS = f"{MD}/namespaces"


def conforms(doc: dict[str, Any], body: Any) -> None:
    Draft4Validator(doc).validate(body)


async def make_ns(api: Api, name: str = "Test::NS", token: str | None = None,
                  status: int = 201, **kw: Any) -> Any:
    body = {"namespace": name, "display_name": name, "visibility": "public", **kw}
    return await api.ok("POST", NS, status, token=token, json=body)


async def member(api: Api, user: str = "alice", project: str = "p1") -> str:
    await api.make_project(project)
    await api.make_user(user, "pw", project=project)
    return await api.token(user, "pw", project)


async def test_schemas(api: Api) -> None:
    names = {"namespace": "namespace", "namespaces": "namespaces", "object": "object",
             "objects": "objects", "property": "property", "properties": "properties",
             "tag": "tag", "tags": "tags", "resource_type": "resource_type_association",
             "resource_types": "resource_type_associations"}
    reader = await member(api)
    for path, name in names.items():
        doc = await api.ok("GET", f"/image/v2/schemas/metadefs/{path}", token=reader)
        assert doc["name"] == name
        Draft4Validator.check_schema(doc)
    await api.ok("GET", "/image/v2/schemas/metadefs/nope", 404)


async def test_seeded_catalog(api: Api) -> None:
    types = (await api.ok("GET", f"{MD}/resource_types"))["resource_types"]
    assert types[0]["name"] == "OS::Glance::Image"
    assert {"OS::Nova::Flavor", "OS::Cinder::Volume"} <= {t["name"] for t in types}
    reader = await member(api)
    listed = await api.ok("GET", f"{NS}?resource_types=OS::Glance::Image", token=reader)
    conforms(schemas.NAMESPACES, listed)
    names = {n["namespace"] for n in listed["namespaces"]}
    assert {"OS::Compute::LibvirtImage", "OS::OperatingSystem"} <= names
    libvirt = await api.ok("GET", f"{NS}/OS::Compute::LibvirtImage", token=reader)
    assert libvirt["protected"] and libvirt["owner"] == "admin"
    assert "virtio" in libvirt["properties"]["hw_disk_bus"]["enum"]
    # prefixed as a flavor sees them
    topo = await api.ok("GET", f"{NS}/OS::Compute::VirtCPUTopology?resource_type="
                               "OS::Nova::Flavor")
    assert "hw:cpu_sockets" in topo["properties"]
    prop = await api.ok("GET", f"{NS}/OS::Compute::VirtCPUTopology/properties/hw_cpu_cores"
                               "?resource_type=OS::Glance::Image")
    assert prop["name"] == "cpu_cores"
    await api.ok("GET", f"{NS}/OS::Compute::VirtCPUTopology/properties/cpu_cores"
                        "?resource_type=OS::Glance::Image", 404)
    await api.ok("DELETE", f"{NS}/OS::Compute::LibvirtImage", 403)


async def test_namespace_lifecycle(api: Api) -> None:
    created = await api.req("POST", NS, json={
        "namespace": "Test::Full", "description": "d", "protected": True,
        "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "t_"},
                                       {"name": "Custom::Thing"}],
        "properties": {"speed": {"title": "Speed", "type": "integer", "minimum": 1}},
        "objects": [{"name": "Obj", "required": ["a"], "properties": {
            "a": {"title": "A", "type": "string", "enum": ["x", "y"]}}}],
        "tags": [{"name": "t1"}, {"name": "t2"}]})
    assert created.status_code == 201, created.text
    assert created.headers["location"].endswith("/image/v2/metadefs/namespaces/Test::Full")
    body = created.json()
    conforms(schemas.NAMESPACE, body)
    assert body["visibility"] == "private" and body["protected"] is True
    shown = await api.ok("GET", f"{NS}/Test::Full?resource_type=OS::Glance::Image")
    conforms(schemas.NAMESPACE, shown)
    assert shown["properties"] == {"t_speed": {"title": "Speed", "type": "integer",
                                               "minimum": 1}}
    assert shown["objects"][0]["required"] == ["t_a"]
    assert shown["tags"] == [{"name": "t1"}, {"name": "t2"}]
    assert {a["name"] for a in shown["resource_type_associations"]} == {
        "OS::Glance::Image", "Custom::Thing"}
    types = (await api.ok("GET", f"{MD}/resource_types"))["resource_types"]
    assert "Custom::Thing" in {t["name"] for t in types}
    await make_ns(api, "Test::Full", status=409)
    # protected: neither it nor its contents can be deleted, but it can be changed
    for path in ("", "/objects", "/objects/Obj", "/properties/speed", "/tags", "/tags/t1",
                 "/resource_types/Custom::Thing"):
        await api.ok("DELETE", f"{NS}/Test::Full{path}", 403)
    updated = await api.ok("PUT", f"{NS}/Test::Full", json={
        "namespace": "Test::Renamed", "visibility": "public", "protected": False})
    conforms(schemas.NAMESPACE, updated)
    assert updated["namespace"] == "Test::Renamed" and "description" not in updated
    await api.ok("GET", f"{NS}/Test::Full", 404)
    await make_ns(api, "Test::Other")
    await api.ok("PUT", f"{NS}/Test::Renamed", 409, json={"namespace": "Test::Other"})
    await api.ok("DELETE", f"{NS}/Test::Renamed", 204)
    await api.ok("GET", f"{NS}/Test::Renamed", 404)
    await api.ok("DELETE", f"{NS}/Test::Renamed", 404)
    await api.ok("PATCH", f"{NS}/Test::Other", 405, json={})


async def test_objects(api: Api) -> None:
    await make_ns(api)
    base = f"{NS}/Test::NS/objects"
    obj = await api.ok("POST", base, 201, json={
        "name": "CPU Limits", "description": "caps",
        "properties": {"quota:cpu_period": {"title": "Period", "type": "integer"}}})
    conforms(schemas.OBJECT, obj)
    assert obj["self"] == "/v2/metadefs/namespaces/Test::NS/objects/CPU Limits"
    await api.ok("POST", base, 409, json={"name": "CPU Limits"})
    url = f"{base}/{quote('CPU Limits')}"
    assert (await api.ok("GET", url))["properties"]["quota:cpu_period"]["type"] == "integer"
    up = await api.ok("PUT", url, json={"name": "Renamed", "required": ["x"]})
    assert up["name"] == "Renamed" and up["properties"] == {} and "description" not in up
    listed = await api.ok("GET", base)
    conforms(schemas.OBJECTS, listed)
    assert [o["name"] for o in listed["objects"]] == ["Renamed"]
    await api.ok("GET", url, 404)
    await api.ok("DELETE", f"{base}/Renamed", 204)
    await api.ok("POST", base, 201, json={"name": "again"})
    await api.ok("DELETE", base, 204)
    assert (await api.ok("GET", base))["objects"] == []


async def test_properties(api: Api) -> None:
    await make_ns(api)
    base = f"{NS}/Test::NS/properties"
    prop = await api.ok("POST", base, 201, json={
        "name": "hypervisor_type", "title": "Hypervisor", "type": "string",
        "enum": ["kvm", "qemu"]})
    conforms(schemas.PROPERTY, prop)
    await api.ok("POST", base, 409, json={"name": "hypervisor_type", "title": "H",
                                          "type": "string"})
    up = await api.ok("PUT", f"{base}/hypervisor_type", json={
        "name": "hv", "title": "HV", "type": "string"})
    assert up == {"name": "hv", "title": "HV", "type": "string"}
    listed = await api.ok("GET", base)
    conforms(schemas.PROPERTIES, listed)
    assert listed == {"properties": {"hv": {"title": "HV", "type": "string"}}}
    await api.ok("GET", f"{base}/hypervisor_type", 404)
    await api.ok("DELETE", f"{base}/hv", 204)
    await api.ok("DELETE", f"{base}/hv", 404)
    await api.ok("POST", base, 201, json={"name": "p", "title": "P", "type": "boolean"})
    await api.ok("DELETE", base, 204)
    assert (await api.ok("GET", base))["properties"] == {}


async def test_tags(api: Api) -> None:
    await make_ns(api)
    base = f"{NS}/Test::NS/tags"
    made = await api.ok("POST", base, 201, json={"tags": [{"name": "a"}, {"name": "b"}]})
    assert made == {"tags": [{"name": "a"}, {"name": "b"}]}
    # without X-Openstack-Append the new list replaces the old one
    await api.ok("POST", base, 201, json={"tags": [{"name": "c"}]})
    assert (await api.ok("GET", base))["tags"] == [{"name": "c"}]
    await api.ok("POST", base, 201, json={"tags": [{"name": "d"}]},
                 headers={"X-Openstack-Append": "True"})
    await api.ok("POST", base, 409, json={"tags": [{"name": "d"}]},
                 headers={"X-Openstack-Append": "true"})
    await api.ok("POST", base, 409, json={"tags": [{"name": "e"}, {"name": "e"}]})
    got = await api.ok("GET", f"{base}?sort_key=name&sort_dir=asc")
    assert [t["name"] for t in got["tags"]] == ["c", "d"]
    page = await api.ok("GET", f"{base}?sort_key=name&sort_dir=asc&limit=1&marker=c")
    assert page["tags"] == [{"name": "d"}]
    one = await api.ok("POST", f"{base}/single", 201)
    conforms(schemas.TAG, one)
    await api.ok("POST", f"{base}/single", 409)
    renamed = await api.ok("PUT", f"{base}/single", json={"name": "double"})
    assert renamed["name"] == "double"
    assert (await api.ok("GET", f"{base}/double"))["name"] == "double"
    await api.ok("PUT", f"{base}/double", 409, json={"name": "c"})
    await api.ok("DELETE", f"{base}/double", 204)
    await api.ok("GET", f"{base}/double", 404)
    await api.ok("DELETE", base, 204)
    assert (await api.ok("GET", base))["tags"] == []


async def test_resource_type_associations(api: Api) -> None:
    await make_ns(api)
    base = f"{NS}/Test::NS/resource_types"
    made = await api.ok("POST", base, 201, json={
        "name": "OS::Cinder::Volume", "prefix": "hw_", "properties_target": "image"})
    conforms(schemas.RESOURCE_TYPE, made)
    await api.ok("POST", base, 409, json={"name": "OS::Cinder::Volume"})
    listed = await api.ok("GET", base)
    conforms(schemas.RESOURCE_TYPES, listed)
    assert [a["name"] for a in listed["resource_type_associations"]] == ["OS::Cinder::Volume"]
    await api.ok("DELETE", f"{base}/OS::Cinder::Volume", 204)
    await api.ok("DELETE", f"{base}/OS::Cinder::Volume", 404)
    assert (await api.ok("GET", base))["resource_type_associations"] == []


async def test_list_filters_and_pages(api: Api) -> None:
    for name in ("Page::A", "Page::B", "Page::C"):
        await make_ns(api, name, resource_type_associations=[{"name": "Page::Type"}])
    await make_ns(api, "Page::Private", visibility="private")
    q = "resource_types=Page::Type&sort_key=namespace&sort_dir=asc&limit=2"
    first = await api.ok("GET", f"{NS}?{q}")
    assert [n["namespace"] for n in first["namespaces"]] == ["Page::A", "Page::B"]
    assert first["next"].startswith("/v2/metadefs/namespaces?") and "marker=Page%3A%3AB" in \
        first["next"]
    rest = await api.ok("GET", "/image" + first["next"])
    assert [n["namespace"] for n in rest["namespaces"]] == ["Page::C"]
    assert "next" not in rest
    private = await api.ok("GET", f"{NS}?visibility=private")
    assert [n["namespace"] for n in private["namespaces"]] == ["Page::Private"]
    newest = await api.ok("GET", f"{NS}?limit=1")
    assert newest["namespaces"][0]["namespace"] == "Page::Private"
    await api.ok("GET", f"{NS}?marker=No::Such", 404)


async def test_non_admin_sees_public_and_own(api: Api) -> None:
    tok = await member(api)
    pid = await api.project_id("p1")
    await make_ns(api, "Test::Public")
    await make_ns(api, "Test::Hidden", visibility="private")
    await make_ns(api, "Test::Mine", visibility="private", owner=pid,
                  objects=[{"name": "o"}])
    listed = await api.ok("GET", NS, token=tok)
    names = {n["namespace"] for n in listed["namespaces"]}
    assert {"Test::Public", "Test::Mine"} <= names and "Test::Hidden" not in names
    await api.ok("GET", f"{NS}/Test::Hidden", 404, token=tok)
    await api.ok("GET", f"{NS}/Test::Hidden/objects", 404, token=tok)
    await api.ok("POST", f"{NS}/Test::Hidden/tags/x", 404, token=tok)
    mine = await api.ok("GET", f"{NS}/Test::Mine", token=tok)
    assert mine["owner"] == pid and mine["objects"][0]["name"] == "o"
    # readers may read but not write the catalog
    await make_ns(api, "Test::Nope", token=tok, status=403)
    await api.ok("POST", f"{NS}/Test::Public/objects", 403, token=tok, json={"name": "o"})
    await api.ok("PUT", f"{NS}/Test::Mine", 403, token=tok, json={"namespace": "Test::Mine"})
    await api.ok("DELETE", f"{NS}/Test::Public", 403, token=tok)
    await api.ok("GET", f"{MD}/resource_types", token=tok)


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", NS, {}, 400),
    ("POST", NS, {"namespace": ""}, 400),
    ("POST", NS, {"namespace": "x" * 81}, 400),
    ("POST", NS, {"namespace": "N", "visibility": "shared"}, 400),
    ("POST", NS, {"namespace": "N", "bogus": 1}, 400),
    ("POST", NS, {"namespace": "N", "created_at": "now"}, 403),
    ("POST", NS, {"namespace": "N", "self": "/x"}, 403),
    ("POST", NS, [1, 2], 400),
    ("POST", NS, {"namespace": "N", "properties": {"p": {"title": "P"}}}, 400),
    ("POST", NS, {"namespace": "N", "properties": {"p": {"title": "P", "type": "string",
                                                         "typo": 1}}}, 400),
    ("POST", NS, {"namespace": "N", "tags": [{}]}, 400),
    ("POST", NS, {"namespace": "N", "objects": [{"name": "o"}, {"name": "o"}]}, 409),
    ("POST", NS, {"namespace": "N", "resource_type_associations": [{"prefix": "x"}]}, 400),
    ("POST", f"{NS}/Test::NS/objects", {"description": "no name"}, 400),
    ("POST", f"{NS}/Test::NS/objects", {"name": "o", "required": "a"}, 400),
    ("POST", f"{NS}/Test::NS/properties", {"name": "p", "type": "string"}, 400),
    ("POST", f"{NS}/Test::NS/properties", {"name": "p", "title": "P", "type": "date"}, 400),
    ("POST", f"{NS}/Test::NS/properties", {"name": "p", "title": "P", "type": "string",
                                           "pattern": "("}, 400),
    ("POST", f"{NS}/Test::NS/properties", {"name": "p", "title": "P", "type": "string",
                                           "minLength": -1}, 400),
    ("POST", f"{NS}/Test::NS/tags", {"tags": "a"}, 400),
    ("POST", f"{NS}/Test::NS/tags", {"tags": [{"name": "a", "x": 1}]}, 400),
    ("POST", f"{NS}/Test::NS/tags/{'t' * 81}", None, 400),
    ("PUT", f"{NS}/Test::NS/tags/nope", {"name": "x", "updated_at": "now"}, 403),
    ("POST", f"{NS}/Test::NS/resource_types", {"prefix": "hw_"}, 400),
    ("POST", f"{NS}/No::Such/objects", {"name": "o"}, 404),
    ("GET", f"{NS}?limit=abc", None, 400),
    ("GET", f"{NS}?limit=-1", None, 400),
    ("GET", f"{NS}?sort_dir=up", None, 400),
    ("GET", f"{NS}?sort_key=password", None, 400),
    ("GET", f"{NS}?visibility=shared", None, 400),
    ("GET", f"{NS}/Test::NS/tags?sort_key=bogus", None, 400),
])
async def test_bad_input(api: Api, method: str, path: str, body: Any, status: int) -> None:
    await make_ns(api)
    r = await api.req(method, path, json=body) if body is not None else \
        await api.req(method, path)
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text


async def test_malformed_bodies(api: Api) -> None:
    await make_ns(api)
    for path in (NS, f"{NS}/Test::NS/objects", f"{NS}/Test::NS/tags"):
        r = await api.req("POST", path, content=b"{nope",
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        r = await api.req("POST", path)
        assert r.status_code == 400, r.text
