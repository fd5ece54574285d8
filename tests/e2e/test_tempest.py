"""Tempest's identity and image API tests against a running `nubo up`.

Tempest is OpenStack's own conformance suite. Every test must pass or be skipped by Tempest
itself for a feature we declare off (trusts, EC2 credentials, inherited roles, access rules,
security compliance; image import from the web, multiple stores and locations); the few
known gaps below are listed with their reason.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import Cloud, clients_bin

#: test id fragment -> why it fails on Nubo today
KNOWN_GAPS: dict[str, str] = {
    "test_domain_configuration.": "per-domain identity backends (LDAP settings under "
                                  "/v3/domains/{id}/config) are not offered: Nubo keeps users "
                                  "in its own database only",
    "test_image_task.": "Glance's tasks API (deprecated there) is not offered; its one test "
                        "imports an image from an internet URL",
}
#: the least that must pass, per area (a drop is a regression even without a failure)
FLOORS = {"tempest.api.identity.": 110, "tempest.api.image.": 46}

CONF = """\
[DEFAULT]
log_dir = {ws}/logs
log_file = tempest.log
[oslo_concurrency]
lock_path = {ws}/lock
[auth]
use_dynamic_credentials = true
admin_username = admin
admin_password = {pw}
admin_project_name = admin
admin_domain_name = Default
create_isolated_networks = false
[identity]
uri_v3 = {url}/identity/v3
region = RegionOne
[identity-feature-enabled]
trust = false
api_extensions =
access_rules = false
[image]
container_formats = bare
disk_formats = raw,qcow2
[image-feature-enabled]
import_image = false
os_glance_reserved = false
[service_available]
nova = false
neutron = false
glance = true
cinder = false
swift = false
horizon = false
"""

LINE = re.compile(r"^(?:\{\d+\} )?(.+?)(?: \[[\d.]+s\])? \.\.\. (ok|FAILED|SKIPPED)")
TOTAL_FAILED = re.compile(r"^ - Failed: (\d+)", re.M)


def test_tempest_identity_and_image(cloud: Cloud, tmp_path: Path) -> None:
    tempest = clients_bin("tempest")
    ws = tmp_path / "ws"
    subprocess.run([tempest, "init", "--workspace-path", str(tmp_path / "workspaces.yaml"),
                    str(ws)], check=True, capture_output=True, timeout=120)
    conf = ws / "etc" / "tempest.conf"
    conf.write_text(CONF.format(ws=ws, pw=cloud.password(), url=cloud.url))
    r = subprocess.run([tempest, "run", "--config-file", str(conf), "--concurrency", "1",
                        "--regex", r"^tempest\.api\.(identity|image)\."], cwd=ws,
                        capture_output=True,
                       text=True, timeout=900)
    (tmp_path / "tempest.out").write_text(r.stdout + r.stderr)
    results: dict[str, str] = {}
    for line in r.stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            results[m.group(1)] = m.group(2)
    passed = [t for t, s in results.items() if s == "ok"]
    failed = [t for t, s in results.items() if s == "FAILED"]
    unexpected = [t for t in failed if not any(k in t for k in KNOWN_GAPS)]
    print(f"tempest identity+image: {len(passed)} passed, {len(failed)} failed, "
          f"{sum(s == 'SKIPPED' for s in results.values())} skipped")
    total = TOTAL_FAILED.search(r.stdout)
    assert total and int(total.group(1)) == len(failed), "could not account for every failure"
    assert results, f"no test results parsed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert not unexpected, "unexpected Tempest failures:\n" + "\n".join(unexpected) + \
        f"\n(full output: {tmp_path / 'tempest.out'})"
    for area, floor in FLOORS.items():
        got = sum(t.startswith(area) for t in passed)
        assert got >= floor, f"{area}: {got} passed, expected at least {floor}"
