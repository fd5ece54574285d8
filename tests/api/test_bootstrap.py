"""First start: DevStack's defaults, once; a start cut short converges on the next one."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from nubo.identity.bootstrap import bootstrap
from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, Api, make_settings


async def test_defaults(api: Api) -> None:
    roles = {r["name"] for r in (await api.ok("GET", "/v3/roles"))["roles"]}
    assert roles >= {"admin", "manager", "member", "reader", "service"}
    projects = {p["name"] for p in (await api.ok("GET", "/v3/projects"))["projects"]}
    assert projects >= {"admin", "demo", "service"}
    demo_pw = api.node.credentials.demo_password  # type: ignore[union-attr]
    tok = await api.token("demo", demo_pw, "demo")
    body = await api.ok("GET", "/v3/auth/tokens", headers={"X-Subject-Token": tok})
    assert {r["name"] for r in body["token"]["roles"]} == {"member", "reader"}
    assert (await api.req("GET", "/v3/users", token=tok)).status_code == 403


async def test_bootstrap_cut_short_converges(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", admin_password=None)
    first = AllInOne(settings)
    await first.controller.db.migrate()
    first.controller.identity.keys.setup()
    # killed before clouds.yaml was written
    lost = await bootstrap(first.controller.identity, None)
    assert lost is not None
    await first.stop()

    second = AllInOne(settings)
    result = await second.start()
    try:
        assert result.credentials is not None and result.credentials != lost
        doc = yaml.safe_load((settings.data_dir / "clouds.yaml").read_text())
        pw = doc["clouds"]["nubo"]["auth"]["password"]
        assert pw == result.credentials.admin_password
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second.app),
                                     base_url=BASE) as c:
            api = Api(c, second)
            api.admin_token = await api.token("admin", pw, "admin")
            users = (await api.ok("GET", "/v3/users?name=admin"))["users"]
            assert len(users) == 1
    finally:
        await second.stop()
    third = AllInOne(settings)
    assert (await third.start()).credentials is None    # done: never again
    await third.stop()


async def test_service_user_for_the_compute_hosts(api: Api) -> None:
    """DevStack's `nova` in project `service`: what the hosts fetch images with."""
    creds = api.node.host.service_credentials
    assert creds.username == "nova" and creds.project_name == "service"
    tok = await api.token("nova", creds.password, "service")
    body = await api.ok("GET", "/v3/auth/tokens", headers={"X-Subject-Token": tok})
    assert {r["name"] for r in body["token"]["roles"]} >= {"service", "admin"}
    users = (await api.ok("GET", "/v3/users?name=nova"))["users"]
    assert len(users) == 1
