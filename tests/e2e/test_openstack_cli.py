"""The real python-openstackclient against a running `nubo up`: the identity workflow."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import Cloud, clients_bin


def osc(cloud: Cloud, *args: str, cloud_name: str = "nubo", env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    e = cloud.env(cloud_name)
    if env:
        e.update(env)
    r = subprocess.run([clients_bin("openstack"), *args], capture_output=True, text=True,
                       env=e, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} -> {r.returncode}\n{r.stderr}")
    return r


def osc_json(cloud: Cloud, *args: str, **kw: Any) -> Any:
    return json.loads(osc(cloud, *args, "-f", "json", **kw).stdout)


def add_cloud(cloud: Cloud, name: str, auth: dict[str, str]) -> None:
    doc = yaml.safe_load(cloud.clouds_yaml.read_text())
    doc["clouds"][name] = {"auth": {"auth_url": f"{cloud.url}/identity/v3", **auth},
                           "identity_api_version": 3}
    cloud.clouds_yaml.write_text(yaml.safe_dump(doc))


def test_identity_workflow(shared_cloud: Cloud, tmp_path: Path) -> None:
    c = shared_cloud
    tok = osc_json(c, "token", "issue")
    assert tok["project_id"] and tok["user_id"] and tok["expires"]

    proj = osc_json(c, "project", "create", "--domain", "default", "--description", "e2e",
                    "alpha")
    assert proj["name"] == "alpha" and proj["domain_id"] == "default"
    user = osc_json(c, "user", "create", "--domain", "default", "--project", "alpha",
                    "--password", "alpha-pw", "alice")
    assert user["default_project_id"] == proj["id"]
    osc(c, "role", "add", "--project", "alpha", "--user", "alice", "member")
    rows = osc_json(c, "role", "assignment", "list", "--names", "--user", "alice")
    assert [(r["Role"], r["User"], r["Project"]) for r in rows] == [
        ("member", "alice@Default", "alpha@Default")]

    add_cloud(c, "alice", {"username": "alice", "password": "alpha-pw", "project_name": "alpha",
                           "user_domain_name": "Default", "project_domain_name": "Default"})
    mine = osc_json(c, "project", "list", "--my-projects", cloud_name="alice")
    assert [p["Name"] for p in mine] == ["alpha"]
    # listing all projects is refused (403); the CLI then falls back to her own projects
    seen = osc_json(c, "project", "list", cloud_name="alice")
    assert [p["Name"] for p in seen] == ["alpha"]
    denied = osc(c, "project", "show", "admin", cloud_name="alice", check=False)
    assert denied.returncode != 0
    catalog = osc_json(c, "catalog", "list", cloud_name="alice")
    assert any(e["Type"] == "identity" for e in catalog)

    cred = osc_json(c, "application", "credential", "create", "--role", "member", "ci-cred",
                    cloud_name="alice")
    assert cred["Secret"] and cred["Project ID"] == proj["id"]
    add_cloud(c, "alice-app", {"application_credential_id": cred["ID"],
                               "application_credential_secret": cred["Secret"]})
    doc = yaml.safe_load(c.clouds_yaml.read_text())
    doc["clouds"]["alice-app"]["auth_type"] = "v3applicationcredential"
    c.clouds_yaml.write_text(yaml.safe_dump(doc))
    app_tok = osc_json(c, "token", "issue", cloud_name="alice-app")
    assert app_tok["project_id"] == proj["id"] and app_tok["user_id"] == user["id"]

    # revoke: the token works, then stops working at once
    victim = osc_json(c, "token", "issue", cloud_name="alice")["id"]
    add_cloud(c, "alice-token", {"token": victim, "project_id": proj["id"]})
    doc = yaml.safe_load(c.clouds_yaml.read_text())
    doc["clouds"]["alice-token"]["auth_type"] = "token"
    c.clouds_yaml.write_text(yaml.safe_dump(doc))
    assert osc_json(c, "project", "list", "--my-projects", cloud_name="alice-token")
    osc(c, "token", "revoke", victim)
    r = osc(c, "project", "list", "--my-projects", cloud_name="alice-token", check=False)
    assert r.returncode != 0 and "401" in r.stderr

    # clean up through the CLI too
    osc(c, "user", "delete", "alice")
    osc(c, "project", "delete", "alpha")
    assert osc(c, "project", "show", "alpha", check=False).returncode != 0


@pytest.mark.parametrize("args, fragment", [
    (("project", "show", "no-such-project"), "No Project found for no-such-project"),
    (("user", "create", "--domain", "nope", "x"), "nope"),
])
def test_cli_errors_are_clear(shared_cloud: Cloud, args: tuple[str, ...], fragment: str
                              ) -> None:
    r = osc(shared_cloud, *args, check=False)
    assert r.returncode != 0
    assert fragment.lower() in r.stderr.lower()
    assert "Traceback" not in r.stderr
