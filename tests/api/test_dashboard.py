"""The dashboard in-process: login, session cookie flags, CSRF, escaping, the API's policy
(a member's view, admin pages as 403), logout revoking the token, errors beside the action."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import BASE, Api, api_on, make_settings


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


class Browser:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.c = client
        self.csrf = ""

    async def login(self, user: str, password: str, domain: str = "Default") -> httpx.Response:
        page = await self.c.get("/login")
        self.csrf = csrf_of(page.text)
        r = await self.c.post("/login", data={"csrf": self.csrf, "user": user,
                                              "password": password, "domain": domain})
        if r.status_code == 303:      # the session's new CSRF token, as a page shows it
            self.csrf = csrf_of((await self.c.get("/key-pairs")).text)
        return r

    async def post(self, path: str, **data: str) -> httpx.Response:
        return await self.c.post(path, data={"csrf": self.csrf, **data})


def demo_password(node: AllInOne) -> str:
    assert node.credentials is not None
    return node.credentials.demo_password


@pytest.fixture
async def browser(node: AllInOne) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                 base_url=BASE) as client:
        yield Browser(client)


async def test_login_sets_an_httponly_samesite_cookie_without_secure_over_http(
        browser: Browser, node: AllInOne) -> None:
    r = await browser.c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    before = browser.c.cookies["nubo_session"]
    r = await browser.login("demo", demo_password(node))
    assert r.status_code == 303 and r.headers["location"] == "/"
    after = r.headers["set-cookie"].lower()
    assert "httponly" in after and "samesite=lax" in after
    assert browser.c.cookies["nubo_session"] != before     # a new id once logged in
    page = await browser.c.get("/")
    assert page.status_code == 200 and "Quota usage" in page.text


async def test_cookie_is_secure_over_https(node: AllInOne, tmp_path: Path) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                 base_url="https://127.0.0.1:8880") as client:
        r = await client.get("/login")
    assert "secure" in r.headers["set-cookie"].lower()
    # TLS ended by a proxy: the request is http, the public URL says https
    settings = make_settings(tmp_path / "behind-proxy", public_url="https://cloud.example")
    async with api_on(settings) as a:
        r = await a.client.get("/login")
    assert "secure" in r.headers["set-cookie"].lower()


async def test_wrong_password_is_said_beside_the_form(browser: Browser) -> None:
    r = await browser.login("demo", "not-the-password")
    assert r.status_code == 401
    assert "The user name, password or domain is wrong." in r.text


async def test_pages_need_a_login(browser: Browser) -> None:
    r = await browser.c.get("/instances")
    assert r.status_code == 303 and r.headers["location"] == "/login"


async def test_post_without_the_csrf_token_is_refused(browser: Browser, node: AllInOne,
                                                      api: Api) -> None:
    await browser.login("demo", demo_password(node))
    r = await browser.c.post("/networks", data={"name": "forged"})
    assert r.status_code == 403
    r = await browser.c.post("/networks", data={"name": "forged", "csrf": "x" * 43})
    assert r.status_code == 403
    # the right token, but a form posted from another site
    r = await browser.c.post("/networks", data={"name": "forged", "csrf": browser.csrf},
                             headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    nets = (await api.ok("GET", "/networking/v2.0/networks?name=forged"))["networks"]
    assert nets == []
    # a session the attacker does not have (no cookie: SameSite kept it back)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                 base_url=BASE) as other:
        r = await other.post("/networks", data={"name": "forged", "csrf": browser.csrf})
    assert r.status_code == 403
    r = await browser.post("/networks", name="mine")
    assert r.status_code == 303
    nets = (await api.ok("GET", "/networking/v2.0/networks?name=mine"))["networks"]
    assert len(nets) == 1


async def test_an_instance_name_is_escaped(browser: Browser, node: AllInOne,
                                           api: Api) -> None:
    token = await api.token("demo", demo_password(node), "demo")
    image, flavor = await image_id(api), await flavor_id(api)
    srv = (await create(api, image, flavor, token=token,
                        name="<script>alert(1)</script>"))["server"]
    await wait(api, srv["id"], "ACTIVE", token=token)
    await browser.login("demo", demo_password(node))
    for path in ("/instances", "/instances/rows", f"/instances/{srv['id']}", "/"):
        r = await browser.c.get(path)
        assert r.status_code == 200, path
        assert "<script>alert(1)</script>" not in r.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, path


async def test_a_member_sees_what_the_api_shows_and_no_admin_page(
        browser: Browser, node: AllInOne, api: Api) -> None:
    image, flavor = await image_id(api), await flavor_id(api)
    theirs = (await create(api, image, flavor, name="admins-server"))["server"]
    await browser.login("demo", demo_password(node))
    page = await browser.c.get("/instances")
    assert "admins-server" not in page.text and theirs["id"] not in page.text
    assert "/admin/hypervisors" not in (await browser.c.get("/")).text  # no admin menu
    for path in ("/admin/hypervisors", "/admin/services", "/admin/flavors",
                 "/admin/projects"):
        r = await browser.c.get(path)
        assert r.status_code == 403, path
        assert "Not allowed" in r.text and "Traceback" not in r.text
    # the external network is the admin's: its delete button is not rendered for demo
    nets = await browser.c.get("/networks")
    public = (await api.ok("GET", "/networking/v2.0/networks?name=public"))["networks"][0]
    assert f"/networks/{public['id']}/delete" not in nets.text
    # ... and forging the POST is refused by the API's own policy, said on the page
    r = await browser.post(f"/networks/{public['id']}/delete")
    assert r.status_code == 303
    after = await browser.c.get("/networks")
    assert 'class="flash error"' in after.text
    # ... and beside the row it was about
    row = after.text[after.text.index(">public<"):]
    row = row[:row.index("</tr>")]
    assert 'class="field-error"' in row
    assert (await api.ok("GET", f"/networking/v2.0/networks/{public['id']}"))["network"]


async def test_admin_sees_the_hypervisors_capacity(browser: Browser, node: AllInOne) -> None:
    await browser.login("admin", "admin-secret")
    r = await browser.c.get("/admin/hypervisors")
    assert r.status_code == 200
    assert 'role="progressbar"' in r.text and "more m1.nano fit" in r.text


async def test_no_token_in_any_page_and_logout_revokes_it(browser: Browser, node: AllInOne,
                                                           api: Api) -> None:
    await browser.login("demo", demo_password(node))
    session = next(iter(node.controller.dashboard.sessions._by_id.values()))
    token, unscoped = session.token, session.unscoped
    assert token and unscoped
    for path in ("/", "/instances", "/instances/new", "/networks", "/volumes", "/key-pairs"):
        text = (await browser.c.get(path)).text
        assert token not in text and unscoped not in text, path
    r = await browser.post("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    for t in (token, unscoped):
        check = await api.req("GET", "/v3/auth/tokens", headers={"X-Subject-Token": t})
        assert check.status_code == 404
    assert (await browser.c.get("/instances")).status_code == 303


async def test_project_switcher_rescopes(browser: Browser, node: AllInOne, api: Api) -> None:
    other = await api.make_project("second")
    demo = (await api.ok("GET", "/v3/users?name=demo"))["users"][0]
    role = await api.role_id("member")
    await api.ok("PUT", f"/v3/projects/{other['id']}/users/{demo['id']}/roles/{role}", 204)
    await browser.login("demo", demo_password(node))
    page = await browser.c.get("/")
    assert f'value="{other["id"]}"' in page.text
    r = await browser.post("/project", project=other["id"])
    assert r.status_code == 303
    page = await browser.c.get("/")
    assert "Now working in project second" in page.text
    r = await browser.post("/project", project="not-mine")
    assert "There is no such project among yours." in (await browser.c.get("/")).text


async def test_a_refused_create_is_said_beside_the_form(browser: Browser,
                                                        node: AllInOne) -> None:
    await browser.login("demo", demo_password(node))
    r = await browser.post("/instances", name="x", image="no-such-image", flavor="1",
                           count="1")
    assert r.status_code == 400
    assert 'class="field-error"' in r.text and "Traceback" not in r.text


async def test_console_button_and_pages_forbid_inline_scripts(
        browser: Browser, node: AllInOne, api: Api) -> None:
    token = await api.token("demo", demo_password(node), "demo")
    image, flavor = await image_id(api), await flavor_id(api)
    srv = (await create(api, image, flavor, token=token, name="vm1"))["server"]
    await wait(api, srv["id"], "ACTIVE", token=token)
    await browser.login("demo", demo_password(node))
    page = await browser.c.get(f"/instances/{srv['id']}")
    assert f'action="/instances/{srv["id"]}/console"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src" not in csp   # scripts: 'self' only
    # the fake hypervisor has no VNC server: the API's refusal is said on the instance's
    # page, beside its buttons (a real guest's console is a redirect to /vnc/)
    r = await browser.post(f"/instances/{srv['id']}/console")
    assert r.status_code == 303 and r.headers["location"] == f"/instances/{srv['id']}"
    shown = await browser.c.get(r.headers["location"])
    assert re.search(r'class="flash error"[^>]*>Unavailable console type novnc.<', shown.text)
    summary = shown.text[shown.text.index('id="summary"'):]
    assert '<p class="field-error">Unavailable console type novnc.</p>' in summary


async def test_launch_imports_a_key_inline(browser: Browser, node: AllInOne, api: Api) -> None:
    token = await api.token("demo", demo_password(node), "demo")
    image, flavor = await image_id(api), await flavor_id(api)
    await browser.login("demo", demo_password(node))
    r = await browser.post("/instances", name="keyed", image=image, flavor=flavor, count="1",
                           new_key_name="inline", new_key="not a key")
    assert r.status_code == 400 and "The public key was not imported" in r.text
    pub = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMgm9T1yKlU2qO2b2oNqEr4WA6V0t8V9R2l8sM3i"
           "Q0ly test@nubo")
    r = await browser.post("/instances", name="keyed", image=image, flavor=flavor, count="1",
                           new_key_name="inline", new_key=pub)
    assert r.status_code == 303, r.text
    servers = (await api.ok("GET", "/compute/v2.1/servers/detail?name=keyed",
                            token=token))["servers"]
    assert [s["key_name"] for s in servers] == ["inline"]


async def test_the_instance_list_pages(browser: Browser, node: AllInOne, api: Api,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from nubo.dashboard.handlers import instances

    monkeypatch.setattr(instances, "PAGE", 2)
    token = await api.token("demo", demo_password(node), "demo")
    image, flavor = await image_id(api), await flavor_id(api)
    await create(api, image, flavor, token=token, name="many", min_count=3, max_count=3)
    await browser.login("demo", demo_password(node))
    first = await browser.c.get("/instances")
    assert first.text.count('href="/instances/') - first.text.count(
        'href="/instances/new"') == 2
    nxt = re.search(r'href="/instances\?marker=([0-9a-f-]+)">Next page', first.text)
    assert nxt
    second = await browser.c.get(f"/instances?marker={nxt.group(1)}")
    assert "Next page" not in second.text and ">Newest<" in second.text
    assert f"/instances/rows?marker={nxt.group(1)}" in second.text
    ids = set(re.findall(r'href="/instances/([0-9a-f-]{36})"', first.text + second.text))
    assert len(ids) == 3
    gone = await browser.c.get("/instances?marker=00000000-0000-0000-0000-000000000000")
    assert gone.status_code == 200 and "Next page" in gone.text    # from the newest again
