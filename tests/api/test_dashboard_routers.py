"""The routers page in-process: a member's router with the public gateway, a subnet
interface added and removed, the service's refusal beside the router, delete."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_dashboard import Browser, demo_password
from tests.conftest import BASE, Api

N = "/networking/v2.0"


@pytest.fixture
async def browser(node: AllInOne) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                 base_url=BASE) as client:
        yield Browser(client)


async def test_router_with_gateway_and_an_interface(browser: Browser, node: AllInOne,
                                                    api: Api) -> None:
    await browser.login("demo", demo_password(node))
    token = await api.token("demo", demo_password(node), "demo")
    assert (await browser.post("/networks", name="app")).status_code == 303
    net = (await api.ok("GET", f"{N}/networks?name=app", token=token))["networks"][0]
    r = await browser.post("/subnets", network=net["id"], name="app-sub", cidr="10.44.0.0/24")
    assert r.status_code == 303
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]

    page = (await browser.c.get("/routers")).text
    assert ">edge<" not in page
    assert re.search(rf'<option value="{public["id"]}" data-name="public">', page)
    assert "openstack router create {external*--external-gateway} {name}" in page
    r = await browser.post("/routers", name="edge", external=public["id"])
    assert r.status_code == 303
    rt = (await api.ok("GET", f"{N}/routers?name=edge", token=token))["routers"][0]
    assert rt["external_gateway_info"]["network_id"] == public["id"]

    page = (await browser.c.get("/routers")).text
    assert "edge" in page and f'action="/routers/{rt["id"]}/interfaces"' in page
    sub = (await api.ok("GET", f"{N}/subnets?name=app-sub", token=token))["subnets"][0]
    r = await browser.post(f"/routers/{rt['id']}/interfaces", subnet=sub["id"])
    assert r.status_code == 303
    page = (await browser.c.get("/routers")).text
    assert "10.44.0.1" in page and "10.44.0.0/24" in page     # the gateway address
    ports = (await api.ok("GET", f"{N}/ports?device_id={rt['id']}&device_owner="
                          "network:router_interface", token=token))["ports"]
    assert len(ports) == 1

    # a router with an interface cannot go: Neutron's words, beside the router
    r = await browser.post(f"/routers/{rt['id']}/delete")
    assert r.status_code == 303
    page = (await browser.c.get("/routers")).text
    row = page[page.index(">edge<"):]
    assert 'class="field-error"' in row[:row.index("</tr>")]

    r = await browser.post(f"/routers/{rt['id']}/interfaces/remove", subnet=sub["id"])
    assert r.status_code == 303
    assert "10.44.0.1" not in (await browser.c.get("/routers")).text
    r = await browser.post(f"/routers/{rt['id']}/delete")
    assert r.status_code == 303
    assert (await api.ok("GET", f"{N}/routers?name=edge", token=token))["routers"] == []
    assert ">edge<" not in (await browser.c.get("/routers")).text


async def test_a_router_needs_a_name(browser: Browser, node: AllInOne) -> None:
    await browser.login("demo", demo_password(node))
    r = await browser.post("/routers", name="")
    assert r.status_code == 303
    assert "Give the router a name." in (await browser.c.get("/routers")).text
