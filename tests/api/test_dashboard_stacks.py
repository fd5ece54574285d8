"""The dashboard's stacks pages in-process: a template's parameters as a form (types,
defaults, hidden, allowed values), launch, the detail with events, resources and outputs,
the service's refusal beside the form, delete."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_dashboard import Browser, demo_password
from tests.conftest import BASE, Api

TEMPLATE = """heat_template_version: 2018-08-31
description: a string and a network
parameters:
  length:
    type: number
    default: 12
  flavour:
    type: string
    default: b
    constraints:
      - allowed_values: [a, b, c]
  secret:
    type: string
    hidden: true
  shared:
    type: boolean
    default: false
  net_name:
    type: string
    label: Network name
    description: what the network is called
resources:
  rnd:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  net:
    type: OS::Neutron::Net
    properties:
      name: {get_param: net_name}
outputs:
  word:
    value: {get_attr: [rnd, value]}
  net_id:
    value: {get_resource: net}
"""


@pytest.fixture
async def browser(node: AllInOne) -> AsyncIterator[Browser]:
    node.controller.orchestration.engine.poll = 0.01
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                 base_url=BASE) as client:
        b = Browser(client)
        await b.login("demo", demo_password(node))
        yield b


def field(page: str, name: str) -> str:
    m = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert m, f"no field {name}"
    return m.group(0)


async def test_a_template_s_parameters_become_a_form(browser: Browser) -> None:
    r = await browser.post("/stacks/new", template=TEMPLATE, name="s1",
                           template_file="net.yaml")
    assert r.status_code == 200, r.text
    page = r.text
    assert 'type="number"' in field(page, "param-length") and 'value="12"' in field(
        page, "param-length")
    assert field(page, "param-flavour").startswith("<select")
    assert re.search(r'<option value="b" selected>', page)
    assert 'type="password"' in field(page, "param-secret")
    assert "required" in field(page, "param-secret")
    assert 'type="hidden"' in field(page, "param-shared")     # false unless ticked
    assert 'type="checkbox"' in page
    assert "Network name" in page and "what the network is called" in page
    assert "a string and a network" in page
    # the CLI line names every parameter, and the file the template came from
    cli = html.unescape(re.search(r'data-cli="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert cli.startswith("openstack stack create -t {template_file}")
    assert "{param-length=--parameter length}" in cli and cli.endswith("{name}")
    assert 'value="net.yaml"' in page


async def test_a_bad_template_is_refused_beside_the_form(browser: Browser) -> None:
    r = await browser.post("/stacks/new", template="heat_template_version: 2018-08-31\n"
                           "resources:\n  x:\n    type: OS::No::Such\n", name="bad")
    assert r.status_code == 400 and 'class="field-error"' in r.text
    assert "OS::No::Such" in r.text
    kept = re.search(r'<textarea id="template"[^>]*>([^<]*)</textarea>', r.text)
    assert kept and "type: OS::No::Such" in html.unescape(kept.group(1))   # the text kept
    r = await browser.post("/stacks/new", template="  ", name="x")
    assert r.status_code == 303 and r.headers["location"] == "/stacks/new"


async def test_launch_see_outputs_and_delete(browser: Browser, node: AllInOne,
                                             api: Api) -> None:
    r = await browser.post("/stacks", template=TEMPLATE, name="web", **{
        "param-length": "9", "param-flavour": "c", "param-secret": "s3cret",
        "param-shared": "false", "param-net_name": "stack-net"})
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    assert where.startswith("/stacks/web/")
    await node.controller.orchestration.engine.drain()
    page = (await browser.c.get(where)).text
    assert "CREATE_COMPLETE" in page and "hx-trigger" not in page   # settled: no polling
    assert "OS::Heat::RandomString" in page and "OS::Neutron::Net" in page
    word = re.search(r"<dt>word</dt>\s*<dd><code>([^<]+)</code>", page)
    assert word and len(word.group(1)) == 9
    nets = (await api.ok("GET", "/networking/v2.0/networks?name=stack-net"))["networks"]
    assert len(nets) == 1 and nets[0]["id"] in page
    assert "CREATE_IN_PROGRESS" in page            # the events
    live = await browser.c.get(where + "/live")
    assert live.status_code == 200 and "CREATE_COMPLETE" in live.text
    listing = (await browser.c.get("/stacks")).text
    assert where in listing and "CREATE_COMPLETE" in listing
    r = await browser.post(where + "/delete")
    assert r.status_code == 303 and r.headers["location"] == "/stacks"
    await node.controller.orchestration.engine.drain()
    assert (await api.ok("GET", "/networking/v2.0/networks?name=stack-net"))["networks"] == []
    assert where not in (await browser.c.get("/stacks")).text


async def test_a_missing_parameter_is_the_service_s_words(browser: Browser) -> None:
    r = await browser.post("/stacks", template=TEMPLATE, name="nope",
                           **{"param-length": "9"})
    assert r.status_code == 400, r.text
    assert 'class="field-error"' in r.text and "net_name" in r.text


async def test_a_stack_s_page_while_it_moves_polls(browser: Browser, node: AllInOne) -> None:
    r = await browser.post("/stacks", template=TEMPLATE, name="moving", **{
        "param-secret": "x", "param-net_name": "n2"})
    where = r.headers["location"]
    page = (await browser.c.get(where)).text
    if "IN_PROGRESS" in page:       # the engine may already be done on a fast machine
        assert f'hx-get="{where}/live"' in page
    await node.controller.orchestration.engine.drain()
    assert f'hx-get="{where}/live"' not in (await browser.c.get(where)).text


def test_fields_of_each_parameter_type() -> None:
    from nubo.dashboard.handlers.stacks import fields
    got = {f["name"]: f for f in fields({
        "j": {"Type": "Json", "Default": {"a": [1, 2]}, "NoEcho": "false"},
        "l": {"Type": "CommaDelimitedList", "Default": ["x", "y"], "NoEcho": "false"},
        "b": {"Type": "Boolean", "Default": True, "NoEcho": "false"},
        "n": {"Type": "Number", "Default": 3, "Value": 5, "NoEcho": "false"},
        "h": {"Type": "String", "NoEcho": "true", "Default": "pw"},
        "s": {"Type": "String", "NoEcho": "false", "AllowedValues": ["a", 1]}})}
    assert got["j"]["widget"] == "textarea" and got["j"]["default"] == '{"a": [1, 2]}'
    assert got["l"]["widget"] == "text" and got["l"]["default"] == "x,y"
    assert got["b"]["widget"] == "checkbox" and got["b"]["default"] == "true"
    assert got["n"]["widget"] == "number" and got["n"]["default"] == "5"   # the given value
    assert got["h"]["widget"] == "password" and not got["h"]["required"]
    assert got["s"]["widget"] == "select" and got["s"]["allowed"] == ["a", "1"]
    assert got["s"]["required"]
